using System.Diagnostics;
using System.Runtime.InteropServices;
using CommandLine;
using StorageFs.Fuse.Session;
using StorageFs.Interop;

namespace StorageFs.Daemon;

[Verb("unmount", HelpText = "Unmount a storagefs mount; the daemon serving it then finishes and exits. A busy mount is refused ((int)Errno.EBUSY, naming the processes using it) unless --lazy.")]
internal sealed class UnmountOptions
{
    [Value(0, MetaName = "MOUNTPOINT", Required = true, HelpText = "The storagefs mountpoint, usually /storage.")]
    public string Mountpoint { get; set; } = "";

    [Option('z', "lazy", HelpText = "Detach a busy mount at once; it goes away when its last user leaves (umount -l).")]
    public bool Lazy { get; set; }
}

/// <summary>
/// Runs <c>storagefs unmount</c>: checks that the path is a storagefs mount (the newest mount
/// there, from /proc/self/mountinfo), then umount2(2) as root, falling back to a lazy detach
/// when busy, or <c>fusermount3 -u</c> (then <c>-u -z</c>) for other users.
/// </summary>
internal static class UnmountCommand
{

    public static int Run(UnmountOptions o)
    {
        string path = Path.GetFullPath(o.Mountpoint).TrimEnd('/');
        if (path.Length == 0)
            path = "/";
        string? type = MountTypeAt(path);
        if (type is null)
        {
            Console.Error.WriteLine($"storagefs: {path} is not mounted");
            return 1;
        }
        if (type != "fuse.storagefs")
        {
            Console.Error.WriteLine($"storagefs: {path} is not a storagefs mount (it is {type}); use umount(8)");
            return 1;
        }
        return Libc.Getuid() == 0 ? UnmountAsRoot(path, o.Lazy) : UnmountAsUser(path, o.Lazy);
    }

    private static int UnmountAsRoot(string path, bool lazy)
    {
        if (Libc.Umount2(path, lazy ? Libc.MNT_DETACH : 0) == 0)
        {
            Console.WriteLine(lazy ? $"detached {path}; it goes away once the last process using it leaves" : $"unmounted {path}");
            return 0;
        }
        int err = Marshal.GetLastPInvokeError();
        if (err == (int)Errno.EBUSY)
            return Busy(path);
        Console.Error.WriteLine($"storagefs: cannot unmount {path}: {Marshal.GetPInvokeErrorMessage(err)}");
        return 1;
    }

    private static int UnmountAsUser(string path, bool lazy)
    {
        var (code, error) = lazy ? Fusermount("-u", "-z", path) : Fusermount("-u", path);
        if (code == 0)
        {
            Console.WriteLine(lazy ? $"detached {path}; it goes away once the last process using it leaves" : $"unmounted {path}");
            return 0;
        }
        if (error.Contains("busy", StringComparison.OrdinalIgnoreCase))
            return Busy(path);
        Console.Error.WriteLine($"storagefs: cannot unmount {path}: {(error.Length > 0 ? error : $"fusermount3 exited with {code}")}");
        return 1;
    }

    private static int Busy(string path)
    {
        var holders = Holders(path);
        Console.Error.WriteLine($"storagefs: cannot unmount {path}: {Marshal.GetPInvokeErrorMessage((int)Errno.EBUSY)}" +
            (holders.Count > 0 ? $" (in use by {string.Join(", ", holders)})" : "") +
            "; use --lazy (-z) to detach it now and let it go when the last user leaves");
        return 1;
    }

    /// <summary>
    /// The processes holding <paramref name="path"/>: a working directory, root, executable, open
    /// file or mapping under it, read from /proc as fuser(1) does (links are read, never
    /// followed, so nothing here waits on the mount), as "name[pid]".
    /// </summary>
    internal static List<string> Holders(string path)
    {
        bool Under(string? target) =>
            target is not null && (target == path || target.StartsWith(path + "/", StringComparison.Ordinal) || target.StartsWith(path + " (deleted)", StringComparison.Ordinal));
        string? Link(string p)
        {
            try
            {
                return new FileInfo(p).LinkTarget;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return null;
            }
        }
        var holders = new List<string>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid) || pid == Environment.ProcessId)
                continue;
            bool holds = Under(Link(dir + "/cwd")) || Under(Link(dir + "/root")) || Under(Link(dir + "/exe"));
            try
            {
                holds = holds || Directory.EnumerateFileSystemEntries(dir + "/fd").Any(fd => Under(Link(fd)));
                holds = holds || File.ReadLines(dir + "/maps").Any(l => l.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries) is { Length: 6 } m && Under(m[5]));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // gone, or not ours to read
            }
            if (!holds)
                continue;
            string name;
            try
            {
                name = File.ReadAllText(dir + "/comm").Trim();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                name = "?";
            }
            holders.Add($"{name}[{pid}]");
        }
        return holders;
    }

    private static (int Code, string Error) Fusermount(params string[] args)
    {
        var psi = new ProcessStartInfo("fusermount3") { RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args[..^1])
            psi.ArgumentList.Add(a);
        psi.ArgumentList.Add("--");
        psi.ArgumentList.Add(args[^1]);
        try
        {
            using var p = Process.Start(psi)!;
            string err = p.StandardError.ReadToEnd().Trim();
            p.WaitForExit();
            return (p.ExitCode, err);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (127, $"cannot run fusermount3: {e.Message}");
        }
    }

    /// <summary>The filesystem type of the newest mount at <paramref name="path"/>, or null when nothing is mounted there.</summary>
    internal static string? MountTypeAt(string path) => MountInfo.TopAt(path)?.FsType;
}
