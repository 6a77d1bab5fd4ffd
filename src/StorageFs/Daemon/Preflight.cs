using System.Runtime.InteropServices;
using StorageFs.Fuse.Session;
using StorageFs.Interop;

namespace StorageFs.Daemon;

/// <summary>
/// What <c>storagefs mount</c> checks before it creates anything: /dev/fuse, the mountpoint (an
/// existing directory, and not a live storagefs mount already), and that the state and runtime
/// directories can be made. A dead storagefs mount (its daemon gone: statfs fails with ENOTCONN)
/// is left to the mount itself, which replaces it.
/// </summary>
internal static class Preflight
{
    private const int W_OK = 2;
    private const int X_OK = 1;

    /// <summary>Null when the start may go ahead, else why not (one line).</summary>
    public static string? Check(string mountpoint, DaemonConfig config)
    {
        if (!File.Exists("/dev/fuse"))
            return "/dev/fuse does not exist: this kernel has no FUSE (or the device is not available here)";
        string trimmed = mountpoint.Length > 1 ? mountpoint.TrimEnd('/') : mountpoint;
        string? type = UnmountCommand.MountTypeAt(trimmed);
        // Live or dead is decided as the mount decides it (mountinfo and statfs), never by stat:
        // the kernel answers stat of a dead mount from cached attributes.
        if (type == "fuse.storagefs" && FuseMount.IsServedByLiveDaemon(trimmed, type))
            return $"{mountpoint} is already a storagefs mount served by a live daemon; unmount it first (storagefs unmount {mountpoint})";
        if (!Directory.Exists(mountpoint) && (type is null || !type.StartsWith("fuse", StringComparison.Ordinal)))
        {
            return File.Exists(mountpoint)
                ? $"mountpoint {mountpoint} is not a directory"
                : $"mountpoint {mountpoint} does not exist (create the directory first)";
        }
        return Creatable(config.StateDir, "state directory") ?? Creatable(config.RuntimeDir, "runtime directory");
    }

    // An existing directory we may write, or a path whose nearest existing ancestor we may write.
    private static string? Creatable(string dir, string what)
    {
        if (File.Exists(dir))
            return $"{what} {dir} is a file, not a directory";
        string? probe = dir;
        while (probe is not null && !Directory.Exists(probe))
            probe = Path.GetDirectoryName(probe);
        if (probe is null)
            return $"{what} {dir}: no existing parent directory";
        if (Libc.Access(probe, W_OK | X_OK) != 0)
            return $"{what} {dir}: {(probe == dir ? "" : $"cannot create it in {probe}: ")}{Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}";
        return null;
    }
}
