using StorageFs.Core.Backend;
using StorageFs.Core.Model;
using StorageFs.Backends.Files;

namespace StorageFs.Backends.Fs;

/// <summary>
/// What an <c>fs</c> pool supports: the dir backend's volumes (same formats, wipe algorithms and
/// clone sources) plus libvirt's fs lifecycle — check (mounted), start (mount), stop (umount),
/// build (mkdir, and mkfs with --overwrite or --no-overwrite), delete (rmdir).
/// </summary>
public static class FsPoolCapabilities
{
    /// <summary>The record.</summary>
    public static PoolBackendCapabilities Value { get; } = FilePoolCapabilities.For(PoolType.Fs,
        PoolOperations.Check | PoolOperations.Start | PoolOperations.Stop | PoolOperations.Build | PoolOperations.Delete,
        PoolBuildFlags.Overwrite | PoolBuildFlags.NoOverwrite,
        new HostRequirements([.. HostRequirements.From("mount", "mount", "umount"), .. HostRequirements.From("util-linux", "mkfs", "blkid")], []),
        listingFollowsTargetMtime: true);
}
