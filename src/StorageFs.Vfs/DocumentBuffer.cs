using System.Text;
using StorageFs.Fuse;

namespace StorageFs.Vfs;

/// <summary>
/// Collects the writes of one open file until they form a whole document. Shell tools split
/// documents (bash at 16 KiB, cat at the block size), and errors must be returned by write(2),
/// not close(2), so a document is applied in the write that completes it:
/// the write after which the XML root element is closed (docs/ARCHITECTURE.md, "Design
/// decisions": control happens inside write(2)). Text that cannot be the start of an
/// XML document is complete at once (and will fail to parse). Writes must be sequential.
/// </summary>
public sealed class DocumentBuffer
{
    /// <summary>Largest document accepted ("input over 1 MiB refused").</summary>
    public const int MaxBytes = 1 << 20;

    private readonly MemoryStream _bytes = new();

    public long Length => _bytes.Length;

    /// <summary>Appends a write at <paramref name="offset"/>: EINVAL unless it continues the buffer, EFBIG past the limit.</summary>
    public Errno Append(long offset, ReadOnlySpan<byte> data)
    {
        if (offset != _bytes.Length)
            return Errno.EINVAL;
        if (_bytes.Length + data.Length > MaxBytes)
            return Errno.EFBIG;
        _bytes.Write(data);
        return Errno.Ok;
    }

    /// <summary>Strict UTF-8: invalid bytes are refused, never turned into U+FFFD.</summary>
    internal static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public string Text => Encoding.UTF8.GetString(_bytes.GetBuffer(), 0, (int)_bytes.Length);

    /// <summary>The document as text; false when it is not valid UTF-8.</summary>
    public bool TryGetText(out string text) => TryDecode(_bytes.GetBuffer().AsSpan(0, (int)_bytes.Length), out text);

    /// <summary>Decodes <paramref name="bytes"/> as strict UTF-8; false (and empty text) when they are not.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> bytes, out string text)
    {
        try
        {
            text = Strict.GetString(bytes);
            return true;
        }
        catch (DecoderFallbackException)
        {
            text = "";
            return false;
        }
    }

    public void Clear() => _bytes.SetLength(0);

    /// <summary>
    /// True when the buffered text is a finished document: its root element is closed, or it
    /// is plainly malformed (not starting with '&lt;', or an end tag that does not match) so
    /// the parser can report it now. False while a tag, comment, CDATA section or the root
    /// element is still open. A small tag scanner, not a parser: the parser judges the rest.
    /// </summary>
    public bool IsComplete => Scan(Text);

    internal static bool Scan(string text)
    {
        var open = new Stack<string>();
        bool sawRoot = false;
        int i = 0;
        while (i < text.Length)
        {
            char c = text[i];
            if (c != '<')
            {
                if (open.Count == 0 && !char.IsWhiteSpace(c))
                    return true; // text outside any element: malformed (or not XML at all)
                i++;
                continue;
            }
            if (Starts(text, i, "<!--"))
            {
                int end = text.IndexOf("-->", i + 4, StringComparison.Ordinal);
                if (end < 0)
                    return false;
                i = end + 3;
                continue;
            }
            if (Starts(text, i, "<![CDATA["))
            {
                int end = text.IndexOf("]]>", i + 9, StringComparison.Ordinal);
                if (end < 0)
                    return false;
                i = end + 3;
                continue;
            }
            if (Starts(text, i, "<?") || Starts(text, i, "<!"))
            {
                int end = text.IndexOf('>', i + 2);
                if (end < 0)
                    return false;
                i = end + 1;
                continue;
            }
            int close = TagEnd(text, i + 1);
            if (close < 0)
                return false; // the tag itself is not finished yet
            string tag = text[(i + 1)..close];
            if (tag.StartsWith('/'))
            {
                string name = tag[1..].Trim();
                if (open.Count == 0 || open.Pop() != name)
                    return true; // mismatched end tag: malformed, let the parser say so
                if (open.Count == 0)
                    return true;
            }
            else
            {
                if (sawRoot && open.Count == 0)
                    return true; // a second root: malformed
                sawRoot = true;
                bool empty = tag.EndsWith('/');
                if (!empty)
                    open.Push(TagName(tag));
                else if (open.Count == 0)
                    return true;
            }
            i = close + 1;
        }
        return false;
    }

    private static bool Starts(string text, int at, string prefix) =>
        string.CompareOrdinal(text, at, prefix, 0, prefix.Length) == 0;

    /// <summary>Index of the '&gt;' closing a tag that starts at <paramref name="from"/>, skipping quoted attribute values; -1 if not there yet.</summary>
    private static int TagEnd(string text, int from)
    {
        char quote = '\0';
        for (int i = from; i < text.Length; i++)
        {
            char c = text[i];
            if (quote != '\0')
            {
                if (c == quote)
                    quote = '\0';
            }
            else if (c is '"' or '\'')
            {
                quote = c;
            }
            else if (c == '>')
            {
                return i;
            }
        }
        return -1;
    }

    private static string TagName(string tag)
    {
        int end = 0;
        while (end < tag.Length && !char.IsWhiteSpace(tag[end]) && tag[end] != '/')
            end++;
        return tag[..end];
    }
}
