using StorageFs.Core.Backend;
using StorageFs.Core.Model;
using StorageFs.Backends.Files;

namespace StorageFs.Backends.NetFs;

/// <summary>
/// What a <c>netfs</c> pool supports: the dir backend's volumes plus libvirt's netfs lifecycle —
/// check (mounted), start (mount nfs/glusterfs/cifs with libvirt's argv), stop (umount), build
/// (mkdir; overwrite flags accepted and meaningless, as in libvirt), delete (rmdir).
/// </summary>
public static class NetFsPoolCapabilities
{
    /// <summary>The record.</summary>
    public static PoolBackendCapabilities Value { get; } = FilePoolCapabilities.For(PoolType.NetFs,
        PoolOperations.Check | PoolOperations.Start | PoolOperations.Stop | PoolOperations.Build | PoolOperations.Delete,
        PoolBuildFlags.Overwrite | PoolBuildFlags.NoOverwrite,
        new HostRequirements([.. HostRequirements.From("mount", "mount", "umount")], [])) with { SharedStorage = true };
}
