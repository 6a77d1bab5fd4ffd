using System.Globalization;
using System.Runtime.InteropServices;
using Serilog;
using StorageFs.Backends.HostTools;
using StorageFs.Core.Backend;
using StorageFs.Interop;

namespace StorageFs.Backends.Filesystems;

/// <summary>
/// The production <see cref="IHostInventory"/>: statvfs and the mount table for each directory,
/// a FICLONE between two unnamed O_TMPFILE files for its reflink ability (nothing is left
/// behind, nothing shows in the directory), <c>vgs</c> for the volume groups, and PATH for the
/// mkfs programs and compressors.
/// </summary>
public sealed class HostInventory : IHostInventory
{
    private const ulong Ficlone = 0x40049409; // _IOW(0x94, 9, int), linux/fs.h
    private const int OTmpFileFlag = 0x400000; // __O_TMPFILE; O_TMPFILE adds O_DIRECTORY

    private static readonly string[] CompressorTools = ["zstd", "gzip", "lzop", "xz"];

    private readonly ICommandRunner _runner;

    /// <summary>Tools run through <paramref name="runner"/> (the host's processes by default).</summary>
    public HostInventory(ICommandRunner? runner = null, ILogger? logger = null)
    {
        _runner = runner ?? new ProcessCommandRunner(logger);
    }

    /// <inheritdoc/>
    public NodeInventory Describe(IReadOnlyList<string> directories)
    {
        ArgumentNullException.ThrowIfNull(directories);
        var mounts = MountInfo.Read();
        var dirs = directories.Select(d => Directory(d, mounts)).ToList();
        var (groups, note) = VolumeGroups();
        return new NodeInventory(dirs, groups, note, Mkfs(), [.. CompressorTools.Where(HostSupport.OnPath)]);
    }

    private static NodeDirectory Directory(string path, IReadOnlyList<MountInfoEntry> mounts)
    {
        if (StatCalls.Statx(Libc.AT_FDCWD, path, 0, StatCalls.BasicStats, out var st) != 0)
        {
            return new NodeDirectory(path, null, 0, 0, false, Libc.Strerror(Marshal.GetLastPInvokeError()));
        }
        // The last mount of the directory's device is the one a lookup reaches.
        string? type = mounts.LastOrDefault(m => m.Major == st.DevMajor && m.Minor == st.DevMinor)?.FsType;
        ulong capacity = 0, available = 0;
        if (StatCalls.StatVfs(path, out var vfs) == 0)
        {
            capacity = vfs.FrSize * vfs.Blocks;
            available = vfs.FrSize * vfs.BFree;
        }
        return new NodeDirectory(path, type, capacity, available, CanReflink(path), null);
    }

    // Two unnamed empty files in the directory (O_TMPFILE: no name, gone at close), FICLONE of
    // one into the other: the filesystem's own answer (a filesystem without remap_file_range,
    // or xfs without reflink=1, refuses before looking at the length), for xfs, btrfs, ext4 alike.
    private static bool CanReflink(string dir)
    {
        int flags = Libc.O_RDWR | Libc.O_CLOEXEC | OTmpFileFlag | Libc.O_DIRECTORY;
        int source = Libc.Open(dir, flags, 0x180);
        if (source < 0)
        {
            return false;
        }
        int target = Libc.Open(dir, flags, 0x180);
        try
        {
            if (target < 0)
            {
                return false;
            }
            return Libc.IoctlInt(target, (nuint)Ficlone, source) == 0;
        }
        finally
        {
            if (target >= 0)
            {
                Libc.Close(target);
            }
            Libc.Close(source);
        }
    }

    private (IReadOnlyList<NodeVolumeGroup>, string?) VolumeGroups()
    {
        if (!HostSupport.OnPath("vgs"))
        {
            return ([], "LVM tools (vgs) are not installed");
        }
        var result = _runner.Run(["vgs", "--noheadings", "--nosuffix", "--units", "b", "--separator", "|", "-o", "vg_name,vg_size,vg_free"]);
        if (!result.Succeeded)
        {
            string why = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "";
            return ([], $"vgs failed (exit status {result.ExitCode}{(why.Length > 0 ? ": " + why : "")})");
        }
        var groups = new List<NodeVolumeGroup>();
        foreach (string line in result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string[] f = line.Split('|');
            if (f.Length == 3
                && ulong.TryParse(f[1], NumberStyles.None, CultureInfo.InvariantCulture, out ulong size)
                && ulong.TryParse(f[2], NumberStyles.None, CultureInfo.InvariantCulture, out ulong free))
            {
                groups.Add(new NodeVolumeGroup(f[0], size, free));
            }
        }
        return ([.. groups.OrderBy(g => g.Name, StringComparer.Ordinal)], null);
    }

    private static List<string> Mkfs()
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        var dirs = path.Split(':', StringSplitOptions.RemoveEmptyEntries).Concat(["/usr/sbin", "/sbin", "/usr/bin", "/bin"]).Distinct();
        var found = new SortedSet<string>(StringComparer.Ordinal);
        foreach (string dir in dirs)
        {
            try
            {
                foreach (string file in System.IO.Directory.EnumerateFiles(dir, "mkfs.*"))
                {
                    string name = Path.GetFileName(file);
                    if (name.Length > "mkfs.".Length && name.StartsWith("mkfs.", StringComparison.Ordinal)
                        && (File.GetUnixFileMode(file) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0)
                    {
                        found.Add(name["mkfs.".Length..]);
                    }
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A PATH entry that is missing or unreadable offers nothing.
            }
        }
        return [.. found];
    }
}
