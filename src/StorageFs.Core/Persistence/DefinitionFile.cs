using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml;
using StorageFs.Interop;

namespace StorageFs.Core.Persistence;

/// <summary>
/// The on-disk form of one definition: a header processing instruction carrying the
/// flags and a SHA-256 of the body, a newline, then the caller's XML verbatim.
/// <code>
/// &lt;?storagefs-definition version="1" autostart="no" state="stopped" sha256="…"?&gt;
/// &lt;pool type='dir'&gt;…&lt;/pool&gt;
/// </code>
/// Flags live in the same file so a definition and its flags change in one rename:
/// no crash can pair a definition with another one's flags. The checksum turns any
/// truncation or damage into "corrupt" instead of a silently shorter document. The
/// whole file stays well-formed XML (a PI may precede the root), so xmllint and
/// libvirt's parser still read it. A file without the header (e.g. copied from
/// /etc/libvirt/storage) is accepted with default flags.
/// </summary>
internal static partial class DefinitionFile
{
    /// <summary>Largest accepted XML body, as the limit for documents.</summary>
    public const int MaxXmlBytes = 1024 * 1024;

    private const string HeaderStart = "<?storagefs-definition ";

    public static byte[] Encode(string xml, DefinitionFlags flags)
    {
        byte[] body = Encoding.UTF8.GetBytes(xml);
        string header = string.Concat(
            HeaderStart,
            "version=\"1\" autostart=\"", flags.Autostart ? "yes" : "no",
            "\" state=\"", flags.State == IntendedState.Running ? "running" : "stopped",
            "\" sha256=\"", Convert.ToHexStringLower(SHA256.HashData(body)), "\"?>\n");
        byte[] head = Encoding.UTF8.GetBytes(header);
        byte[] all = new byte[head.Length + body.Length];
        head.CopyTo(all, 0);
        body.CopyTo(all, head.Length);
        return all;
    }

    /// <summary>Splits a file into XML body and flags; null and a reason if it is damaged.</summary>
    public static (string Xml, DefinitionFlags Flags)? Decode(byte[] content, out string? error)
    {
        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(content);
        }
        catch (DecoderFallbackException)
        {
            error = "file is not valid UTF-8";
            return null;
        }

        if (!text.StartsWith(HeaderStart, StringComparison.Ordinal))
        {
            error = null;
            return (text, DefinitionFlags.Default);
        }

        int newline = text.IndexOf('\n', StringComparison.Ordinal);
        if (newline < 0)
        {
            error = "truncated header";
            return null;
        }

        Dictionary<string, string> fields = [];
        foreach (Match m in HeaderField().Matches(text[..newline]))
        {
            fields[m.Groups[1].Value] = m.Groups[2].Value;
        }

        if (!text[..newline].EndsWith("?>", StringComparison.Ordinal)
            || fields.GetValueOrDefault("version") != "1"
            || !fields.TryGetValue("sha256", out string? sum)
            || fields.GetValueOrDefault("autostart") is not ("yes" or "no")
            || fields.GetValueOrDefault("state") is not ("running" or "stopped"))
        {
            error = "malformed storagefs-definition header";
            return null;
        }

        int bodyStart = Encoding.UTF8.GetByteCount(text.AsSpan(0, newline + 1));
        string actual = Convert.ToHexStringLower(SHA256.HashData(content.AsSpan(bodyStart)));
        if (!string.Equals(actual, sum, StringComparison.Ordinal))
        {
            error = "checksum mismatch (file truncated or damaged)";
            return null;
        }

        error = null;
        var flags = new DefinitionFlags(fields["autostart"] == "yes", fields["state"] == "running" ? IntendedState.Running : IntendedState.Stopped);
        return (text[(newline + 1)..], flags);
    }

    /// <summary>
    /// Checks that <paramref name="xml"/> is one well-formed document (no DTD) whose root is
    /// the kind's element, and reads its <c>&lt;name&gt;</c> and <c>&lt;uuid&gt;</c> children.
    /// </summary>
    public static bool TryInspect(DefinitionKind kind, string xml, out string? name, out Guid? uuid, out string? error)
    {
        name = null;
        uuid = null;
        string root = RootElement(kind);
        var settings = new XmlReaderSettings
        {
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            MaxCharactersInDocument = MaxXmlBytes,
            IgnoreComments = true,
            IgnoreProcessingInstructions = true,
            IgnoreWhitespace = true,
        };
        try
        {
            using var reader = XmlReader.Create(new StringReader(xml), settings);
            if (reader.MoveToContent() != XmlNodeType.Element || reader.LocalName != root || reader.NamespaceURI.Length != 0)
            {
                error = $"expected root element <{root}>, found <{reader.Name}>";
                return false;
            }

            string? uuidText = null;
            bool more = reader.Read();
            while (more)
            {
                if (reader.NodeType == XmlNodeType.Element && reader.Depth == 1 && reader.NamespaceURI.Length == 0
                    && ((reader.LocalName == "name" && name is null) || (reader.LocalName == "uuid" && uuidText is null)))
                {
                    bool isName = reader.LocalName == "name";
                    string value = reader.ReadElementContentAsString();
                    if (isName)
                    {
                        name = value;
                    }
                    else
                    {
                        uuidText = value.Trim();
                    }

                    more = !reader.EOF;
                    continue;
                }

                more = reader.Read();
            }

            if (name is null)
            {
                error = $"missing <name> in <{root}>";
                return false;
            }

            if (uuidText is not null)
            {
                if (!Guid.TryParse(uuidText, out Guid parsed))
                {
                    error = "malformed uuid element";
                    return false;
                }

                uuid = parsed;
            }

            error = null;
            return true;
        }
        catch (XmlException e)
        {
            error = "XML error: " + e.Message;
            return false;
        }
    }

    public static string RootElement(DefinitionKind kind) => kind == DefinitionKind.Pool ? "pool" : "fspool";

    public static string Folder(DefinitionKind kind) => kind == DefinitionKind.Pool ? "pools" : "fspools";

    /// <summary>
    /// Rejects names that cannot be a file name here: empty, '/', NUL, a leading '.',
    /// or too long for "&lt;name&gt;.xml" to fit NAME_MAX (255 bytes, linux/limits.h).
    /// </summary>
    public static void ValidateName(DefinitionKind kind, string name)
    {
        string what = kind == DefinitionKind.Pool ? "storage pool" : "fspool";
        string? problem =
            name.Length == 0 ? "cannot be empty"
            : name.Contains('/', StringComparison.Ordinal) ? "cannot contain '/'"
            : name.Contains('\0', StringComparison.Ordinal) ? "cannot contain NUL"
            : name[0] == '.' ? "cannot start with '.'"
            : Encoding.UTF8.GetByteCount(name) > MaxNameBytes ? $"is longer than {MaxNameBytes} bytes"
            : null;
        if (problem is not null)
        {
            throw new StorageException(ErrorCode.InvalidArg, $"{what} name '{name}' {problem}", (int)Errno.EINVAL);
        }
    }

    /// <summary>255 (NAME_MAX) minus the ".xml" suffix.</summary>
    public const int MaxNameBytes = 251;

    [GeneratedRegex("([a-z0-9]+)=\"([^\"]*)\"")]
    private static partial Regex HeaderField();
}
