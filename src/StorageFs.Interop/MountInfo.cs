using System.Globalization;
using System.Text;

namespace StorageFs.Interop;

/// <summary>
/// The one reader of /proc/self/mountinfo (proc(5)), read fresh on every call: mounts change
/// behind our back. The engine (stale mounts), the backends (is a pool's source mounted on its
/// target; libvirt reads /proc/mounts with getmntent for that, <c>virStorageBackendFileSystemIsMounted</c>
/// in src/storage/storage_backend_fs.c) and the CLI (unmount) all use it.
/// </summary>
public static class MountInfo
{
    public const string ProcPath = "/proc/self/mountinfo";

    /// <summary>Every current mount in the kernel's order (a mount stacked on another comes after it).</summary>
    public static IReadOnlyList<MountInfoEntry> Read(string path = ProcPath) => Parse(File.ReadAllText(path));

    /// <summary>Parses mountinfo text; lines that do not parse are skipped.</summary>
    public static IReadOnlyList<MountInfoEntry> Parse(string text)
    {
        var entries = new List<MountInfoEntry>();
        foreach (string line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            // 36 35 0:38 / /storage rw,nosuid,nodev shared:1 - fuse.storagefs storagefs rw,user_id=0,…
            // id parent major:minor root mountpoint options [optional fields…] - type source superoptions
            string[] f = line.Split(' ');
            int dash = f.Length < 7 ? -1 : Array.IndexOf(f, "-", 6);
            if (dash < 0 || dash + 2 >= f.Length)
                continue;
            string[] dev = f[2].Split(':');
            if (!int.TryParse(f[0], NumberStyles.None, CultureInfo.InvariantCulture, out int id)
                || dev.Length != 2
                || !uint.TryParse(dev[0], NumberStyles.None, CultureInfo.InvariantCulture, out uint major)
                || !uint.TryParse(dev[1], NumberStyles.None, CultureInfo.InvariantCulture, out uint minor))
                continue;
            entries.Add(new MountInfoEntry(id, major, minor, Unescape(f[4]), Unescape(f[dash + 1]), Unescape(f[dash + 2])));
        }
        return entries;
    }

    /// <summary>Every mount at <paramref name="mountpoint"/>, bottom first (the last is the one a path lookup reaches).</summary>
    public static IReadOnlyList<MountInfoEntry> At(string mountpoint, IReadOnlyList<MountInfoEntry>? table = null) =>
        [.. (table ?? Read()).Where(e => e.MountPoint == mountpoint)];

    /// <summary>The mount a path lookup of <paramref name="mountpoint"/> reaches (the top of the stack), or null.</summary>
    public static MountInfoEntry? TopAt(string mountpoint, IReadOnlyList<MountInfoEntry>? table = null) =>
        At(mountpoint, table).LastOrDefault();

    // The kernel escapes space, tab, newline and backslash as \ooo (fs/proc_namespace.c mangle).
    private static string Unescape(string field)
    {
        if (!field.Contains('\\', StringComparison.Ordinal))
            return field;
        var bytes = new List<byte>(field.Length);
        for (int i = 0; i < field.Length; i++)
        {
            if (field[i] == '\\' && i + 3 < field.Length && IsOctal(field[i + 1]) && IsOctal(field[i + 2]) && IsOctal(field[i + 3]))
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

    private static bool IsOctal(char c) => c is >= '0' and <= '7';
}
