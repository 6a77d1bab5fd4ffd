namespace StorageFs.IntegrationTests.Infrastructure;

/// <summary>Reads /proc/self/mountinfo (proc(5): field 3 is major:minor, 5 the mount point, then "-", type).</summary>
public static class MountTable
{
    public const string FuseType = "fuse.storagefs";

    /// <summary>Every mount stacked on <paramref name="mountPoint"/>, oldest first.</summary>
    public static IReadOnlyList<MountEntry> At(string mountPoint)
    {
        var found = new List<MountEntry>();
        foreach (string line in File.ReadLines("/proc/self/mountinfo"))
        {
            string[] f = line.Split(' ');
            int dash = Array.IndexOf(f, "-");
            if (f.Length < 5 || dash < 0 || dash + 1 >= f.Length || Unescape(f[4]) != mountPoint)
                continue;
            string[] mm = f[2].Split(':');
            uint minor = mm.Length == 2 ? uint.Parse(mm[1], CultureInfo.InvariantCulture) : 0;
            found.Add(new MountEntry(mountPoint, f[dash + 1], minor));
        }
        return found;
    }

    public static bool IsFuseMounted(string mountPoint) => At(mountPoint).Any(e => e.FsType == FuseType);

    public static bool IsMounted(string mountPoint) => At(mountPoint).Count > 0;

    /// <summary>Undoes the kernel's octal escapes (\040 for space, \011, \012, \134).</summary>
    private static string Unescape(string field)
    {
        if (!field.Contains('\\', StringComparison.Ordinal))
            return field;
        var sb = new StringBuilder(field.Length);
        for (int i = 0; i < field.Length; i++)
        {
            if (field[i] == '\\' && IsOctal(field, i + 1))
            {
                sb.Append((char)Convert.ToInt32(field.Substring(i + 1, 3), 8));
                i += 3;
            }
            else
            {
                sb.Append(field[i]);
            }
        }
        return sb.ToString();
    }

    private static bool IsOctal(string s, int at) =>
        at + 3 <= s.Length && s[at] is >= '0' and <= '7' && s[at + 1] is >= '0' and <= '7' && s[at + 2] is >= '0' and <= '7';
}
