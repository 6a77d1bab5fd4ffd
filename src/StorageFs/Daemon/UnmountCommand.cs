using System.Diagnostics;
using System.Runtime.InteropServices;
using CommandLine;
using StorageFs.Fuse.Session;

namespace StorageFs.Daemon;

[Verb("unmount", HelpText = "Unmount a storagefs mount; the daemon serving it then finishes and exits. A busy mount is detached lazily (it goes away once the last user leaves).")]
internal sealed class UnmountOptions
{
    [Value(0, MetaName = "MOUNTPOINT", Required = true, HelpText = "The storagefs mountpoint, usually /storage. When it is busy it is detached lazily: it disappears at once and goes away once its last user leaves.")]
    public string Mountpoint { get; set; } = "";
}

/// <summary>
/// Runs <c>storagefs unmount</c>: checks that the path is a storagefs mount (the newest mount
/// there, from /proc/self/mountinfo), then umount2(2) as root, falling back to a lazy detach
/// when busy, or <c>fusermount3 -u</c> (then <c>-u -z</c>) for other users.
/// </summary>
internal static class UnmountCommand
{
    private const int EBUSY = 16;
    private const int MNT_DETACH = 2;

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
        return Getuid() == 0 ? UnmountAsRoot(path) : UnmountAsUser(path);
    }

    private static int UnmountAsRoot(string path)
    {
        if (Umount2(path, 0) == 0)
        {
            Console.WriteLine($"unmounted {path}");
            return 0;
        }
        int err = Marshal.GetLastPInvokeError();
        if (err == EBUSY && Umount2(path, MNT_DETACH) == 0)
        {
            Console.WriteLine($"{path} is busy: detached it; it goes away once the last process using it leaves");
            return 0;
        }
        if (err == EBUSY)
            err = Marshal.GetLastPInvokeError();
        Console.Error.WriteLine($"storagefs: cannot unmount {path}: {Marshal.GetPInvokeErrorMessage(err)}");
        return 1;
    }

    private static int UnmountAsUser(string path)
    {
        var (code, error) = Fusermount("-u", path);
        if (code == 0)
        {
            Console.WriteLine($"unmounted {path}");
            return 0;
        }
        if (error.Contains("busy", StringComparison.OrdinalIgnoreCase) && Fusermount("-u", "-z", path).Code == 0)
        {
            Console.WriteLine($"{path} is busy: detached it; it goes away once the last process using it leaves");
            return 0;
        }
        Console.Error.WriteLine($"storagefs: cannot unmount {path}: {(error.Length > 0 ? error : $"fusermount3 exited with {code}")}");
        return 1;
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

    [DllImport("libc", EntryPoint = "umount2", SetLastError = true)]
    private static extern int Umount2([MarshalAs(UnmanagedType.LPUTF8Str)] string target, int flags);

    [DllImport("libc", EntryPoint = "getuid")]
    private static extern uint Getuid();
}
