using System.Globalization;
using System.Text;

namespace StorageFs.Backends.Tools;

/// <summary>
/// The mount table as the kernel reports it (/proc/self/mountinfo, proc(5)); libvirt reads
/// /proc/mounts with getmntent for the same purpose (<c>virStorageBackendFileSystemIsMounted</c>,
/// src/storage/storage_backend_fs.c). Read fresh on every call: mounts change behind our back.
/// </summary>
public static class MountTable
{
    /// <summary>The default location of the table.</summary>
    public const string ProcPath = "/proc/self/mountinfo";

    /// <summary>Every current mount, in mount order (later entries stack on earlier ones).</summary>
    public static IReadOnlyList<MountEntry> Read(string path = ProcPath) => Parse(File.ReadAllText(path));

    /// <summary>Parses mountinfo text.</summary>
    public static IReadOnlyList<MountEntry> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var entries = new List<MountEntry>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            // id parent major:minor root mountpoint options [optional…] - fstype source superopts
            var fields = line.Split(' ');
            int dash = Array.IndexOf(fields, "-", 6);
            if (fields.Length < 7 || dash < 0 || dash + 2 >= fields.Length)
            {
                continue;
            }
            var dev = fields[2].Split(':');
            if (dev.Length != 2 ||
                !uint.TryParse(dev[0], NumberStyles.None, CultureInfo.InvariantCulture, out var major) ||
                !uint.TryParse(dev[1], NumberStyles.None, CultureInfo.InvariantCulture, out var minor))
            {
                continue;
            }
            entries.Add(new MountEntry(Unescape(fields[4]), Unescape(fields[dash + 2]), Unescape(fields[dash + 1]), major, minor));
        }
        return entries;
    }

    /// <summary>The mount currently visible at <paramref name="mountPoint"/> (the last one stacked
    /// there), or null when nothing is mounted on it.</summary>
    public static MountEntry? At(string mountPoint, IReadOnlyList<MountEntry>? table = null) =>
        (table ?? Read()).LastOrDefault(e => e.MountPoint == mountPoint);

    // mountinfo escapes space, tab, newline and backslash as \ooo.
    private static string Unescape(string field)
    {
        if (!field.Contains('\\', StringComparison.Ordinal))
        {
            return field;
        }
        var bytes = new List<byte>(field.Length);
        for (int i = 0; i < field.Length; i++)
        {
            if (field[i] == '\\' && i + 3 < field.Length &&
                IsOctal(field, i + 1) && IsOctal(field, i + 2) && IsOctal(field, i + 3))
            {
                bytes.Add((byte)(((field[i + 1] - '0') << 6) | ((field[i + 2] - '0') << 3) | (field[i + 3] - '0')));
                i += 3;
            }
            else
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(field[i].ToString()));
            }
        }
        return Encoding.UTF8.GetString([.. bytes]);
    }

    private static bool IsOctal(string s, int i) => i < s.Length && s[i] is >= '0' and <= '7';
}
