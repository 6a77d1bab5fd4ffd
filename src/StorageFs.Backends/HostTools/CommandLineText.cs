using System.Text;

namespace StorageFs.Backends.HostTools;

/// <summary>
/// Renders an argv the way libvirt's <c>virCommandToStringFull(cmd, linebreaks=true, …)</c>
/// does (src/util/vircommand.c) for its test data and logs: each option starts a new line
/// ending in " \", an option's value stays on its line, and arguments with shell
/// metacharacters are single-quoted (<c>virBufferEscapeShell</c>).
/// </summary>
public static class CommandLineText
{
    private const string ShellSpecial = "\r\t\n !\"#$&'()*;<>?[\\]^`{|}~";

    /// <summary>The argv as one string, without a trailing newline.</summary>
    public static string Render(IReadOnlyList<string> argv)
    {
        ArgumentNullException.ThrowIfNull(argv);
        var sb = new StringBuilder();
        bool previousWasOption = false;
        for (int i = 0; i < argv.Count; i++)
        {
            if (i > 0)
            {
                sb.Append(' ');
                if (argv[i].StartsWith('-') || !previousWasOption)
                {
                    sb.Append("\\\n");
                }
            }
            sb.Append(Quote(argv[i]));
            previousWasOption = i > 0 && argv[i].StartsWith('-');
        }
        return sb.ToString();
    }

    /// <summary>A word as a POSIX shell reads it back.</summary>
    public static string Quote(string word)
    {
        if (word.Length == 0)
        {
            return "''";
        }
        if (word.IndexOfAny(ShellSpecial.ToCharArray()) < 0)
        {
            return word;
        }
        return "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
    }
}
