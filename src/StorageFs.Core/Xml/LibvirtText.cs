using System.Globalization;
using System.Text;

namespace StorageFs.Core.Xml;

/// <summary>
/// Text helpers with libvirt's exact behaviour: <c>virBufferEscapeString</c> escaping
/// (src/util/virbuffer.c), <c>virFileSanitizePath</c> (src/util/virfile.c) and
/// <c>virUUIDParse</c> (src/util/viruuid.c).
/// </summary>
internal static class LibvirtText
{
    /// <summary>Escapes &lt; &gt; &amp; " ' as entities and drops control characters other
    /// than tab, newline and carriage return, as <c>virBufferEscapeString</c> does; unlike it,
    /// writes those three as character references (&amp;#9; &amp;#10; &amp;#13;). Written raw,
    /// a parser reads a carriage return back as a newline (XML end-of-line handling) and all
    /// three in an attribute as spaces (attribute-value normalization), so libvirt's output of
    /// such a value does not parse back to it, and a stored definition would change across a
    /// restart (found by tests/StorageFs.Fuzz). Values without them are written as libvirt does.</summary>
    public static string Escape(string s)
    {
        int i = 0;
        for (; i < s.Length; i++)
        {
            if (NeedsEscape(s[i]))
            {
                break;
            }
        }
        if (i == s.Length)
        {
            return s;
        }
        var sb = new StringBuilder(s.Length + 16);
        sb.Append(s, 0, i);
        for (; i < s.Length; i++)
        {
            var c = s[i];
            switch (c)
            {
                case '<': sb.Append("&lt;"); break;
                case '>': sb.Append("&gt;"); break;
                case '&': sb.Append("&amp;"); break;
                case '"': sb.Append("&quot;"); break;
                case '\'': sb.Append("&apos;"); break;
                case '\t': sb.Append("&#9;"); break;
                case '\n': sb.Append("&#10;"); break;
                case '\r': sb.Append("&#13;"); break;
                default:
                    if (c >= 0x20)
                    {
                        sb.Append(c);
                    }
                    break;
            }
        }
        return sb.ToString();
    }

    private static bool NeedsEscape(char c) =>
        c is '<' or '>' or '&' or '"' or '\'' || c < 0x20;

    /// <summary>Removes repeated and trailing slashes, keeping a leading "//" (POSIX) and
    /// leaving URIs ("scheme://…") untouched.</summary>
    public static string SanitizePath(string path)
    {
        int uri = path.IndexOf("://", StringComparison.Ordinal);
        if (uri >= 0 && path.IndexOf('/') > uri)
        {
            return path;
        }
        var sb = new StringBuilder(path.Length);
        int cur = 0;
        if (path.Length >= 2 && path[0] == '/' && path[1] == '/' && (path.Length == 2 || path[2] != '/'))
        {
            sb.Append("//");
            cur = 2;
        }
        while (cur < path.Length)
        {
            if (path[cur] != '/')
            {
                sb.Append(path[cur++]);
                continue;
            }
            while (++cur < path.Length && path[cur] == '/')
            {
            }
            if (sb.Length != 0 && cur == path.Length)
            {
                break;
            }
            sb.Append('/');
        }
        return sb.ToString();
    }

    /// <summary>Parses a UUID liberally: 32 hex digits, '-' or ' ' allowed between digit pairs,
    /// surrounding whitespace allowed.</summary>
    public static bool TryParseUuid(string s, out Guid uuid)
    {
        uuid = Guid.Empty;
        var hex = new StringBuilder(32);
        int i = 0;
        while (i < s.Length && IsGSpace(s[i]))
        {
            i++;
        }
        while (hex.Length < 32)
        {
            if (i >= s.Length)
            {
                return false;
            }
            if (s[i] == '-' || s[i] == ' ')
            {
                i++;
                continue;
            }
            if (i + 1 >= s.Length || !char.IsAsciiHexDigit(s[i]) || !char.IsAsciiHexDigit(s[i + 1]))
            {
                return false;
            }
            hex.Append(s[i]).Append(s[i + 1]);
            i += 2;
        }
        for (; i < s.Length; i++)
        {
            if (!IsGSpace(s[i]))
            {
                return false;
            }
        }
        uuid = Guid.ParseExact(hex.ToString(), "N");
        return true;
    }

    /// <summary>The canonical lower-case 8-4-4-4-12 form (<c>virUUIDFormat</c>).</summary>
    public static string FormatUuid(Guid uuid) => uuid.ToString("D", CultureInfo.InvariantCulture);

    /// <summary>A mode as libvirt prints it: "0" followed by the octal digits ("0700", "00").</summary>
    public static string OctalMode(uint mode) => "0" + Convert.ToString(mode, 8);

    private static bool IsGSpace(char c) => c is ' ' or '\t' or '\n' or '\v' or '\f' or '\r';
}
