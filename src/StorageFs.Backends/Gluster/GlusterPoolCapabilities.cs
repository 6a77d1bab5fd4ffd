using StorageFs.Core.Backend;
using StorageFs.Core.Model;

namespace StorageFs.Backends.Gluster;

/// <summary>
/// What a <c>gluster</c> pool supports: libvirt's <c>virStorageBackendGluster</c> table — check,
/// refresh (the files of the volume directory as network volumes, format probed) and volume
/// delete; volume creation is refused as libvirt refuses it ("storage pool does not support
/// volume creation"). Start and stop connect and disconnect the client (a private FUSE mount
/// standing in for libgfapi).
/// </summary>
public static class GlusterPoolCapabilities
{
    /// <summary>The record.</summary>
    public static PoolBackendCapabilities Value { get; } = new PoolBackendCapabilities(
        PoolType.Gluster,
        PoolOperations.Check | PoolOperations.Start | PoolOperations.Stop | PoolOperations.Refresh | PoolOperations.DeleteVolume,
        VolumeFormats: [],
        DefaultVolumeFormat: "raw",
        WipeAlgorithms: [],
        BuildFlags: PoolBuildFlags.None,
        CloneSources: [],
        TargetIsDirectory: false,
        Requires: new HostRequirements([.. HostRequirements.From("mount", "mount", "umount"), .. HostRequirements.From("glusterfs-client", "mount.glusterfs")],
            [new KernelFeature(null, "fuse", "no FUSE in the kernel: mount.glusterfs cannot mount the volume")])) with { SharedStorage = true };
}
