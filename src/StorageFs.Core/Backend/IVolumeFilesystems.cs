using Microsoft.Win32.SafeHandles;

namespace StorageFs.Core.Backend;

/// <summary>
/// What lies inside a volume's bytes and who uses them on the host, and the filesystem tools
/// that act on them (growfs, shrinkfs): shared by every pool type whose volumes have a host
/// descriptor, so it is one service beside the backends (Backends/Filesystems builds the
/// production one), not a slot of each. It works on the descriptor the backend opened, never
/// on a path. Thread-safe. Errors are <see cref="StorageException"/>.
/// </summary>
public interface IVolumeFilesystems
{
    /// <summary>
    /// What the first blocks of <paramref name="data"/> hold (unless <paramref name="probe"/> is
    /// false: a container format whose first blocks are its own header) and where the host has
    /// it attached (loop devices backed by it) or mounted. Cheap: one read of the first 68 KiB,
    /// the loop devices in /sys/block and one read of mountinfo; never runs a tool.
    /// </summary>
    VolumeContent Inspect(SafeFileHandle data, bool probe);

    /// <summary>
    /// Checks that the filesystem in <paramref name="data"/> (<paramref name="length"/> bytes)
    /// can be grown to <paramref name="size"/> (null: to <paramref name="length"/>) or, with
    /// <paramref name="shrink"/>, shrunk to it, changing nothing: NoSupport for an unknown
    /// filesystem, one that cannot shrink (xfs) or a missing tool; InvalidArg for a size past
    /// the volume, below the filesystem (growfs) or not below it (shrinkfs); Busy when the host
    /// has the volume attached or mounted.
    /// </summary>
    FilesystemResizePlan PlanResize(SafeFileHandle data, ulong length, ulong? size, bool shrink);

    /// <summary>
    /// Carries out <paramref name="plan"/> on <paramref name="data"/>: ext2/3/4 offline
    /// (e2fsck, resize2fs), xfs and btrfs mounted in a mount namespace of their own and grown
    /// online. Cancellation is honoured until a step that would leave a broken filesystem if
    /// cut off begins; that step then runs to its end.
    /// </summary>
    void Resize(SafeFileHandle data, FilesystemResizePlan plan, IOperationProgress progress, CancellationToken cancellation);
}
