using StorageFs.Core.Backend;
using StorageFs.Core.Model;

namespace StorageFs.Backends.Rbd;

/// <summary>
/// What an <c>rbd</c> pool supports: libvirt's <c>virStorageBackendRBD</c> table (start, stop,
/// refresh; volume create, clone, delete, resize, wipe with zero writes or discard) plus the
/// volumes' bytes through librbd in process (upload and download: libvirt has neither for rbd).
/// A clone within the pool, and so the toolbox's <c>snapshot</c>, is a copy-on-write child of a
/// protected snapshot. No build (the Ceph pool is the cluster's), no tool run: everything goes through librados and
/// librbd, whose libraries the availability check loads.
/// </summary>
public static class RbdPoolCapabilities
{
    /// <summary>The record.</summary>
    public static PoolBackendCapabilities Value { get; } = new(
        PoolType.Rbd,
        PoolOperations.Start | PoolOperations.Stop | PoolOperations.Refresh |
        PoolOperations.CreateVolume | PoolOperations.CloneVolume | PoolOperations.DeleteVolume |
        PoolOperations.ResizeVolume | PoolOperations.WipeVolume | PoolOperations.RefreshVolume |
        PoolOperations.UploadVolume | PoolOperations.DownloadVolume,
        VolumeFormats: ["raw"],
        DefaultVolumeFormat: "raw",
        WipeAlgorithms: [WipeAlgorithm.Zero, WipeAlgorithm.Trim],
        BuildFlags: PoolBuildFlags.None,
        CloneSources: [PoolType.Rbd],
        TargetIsDirectory: false,
        SnapshotIsClone: true,
        Requires: HostRequirements.None with
        {
            Libraries = [new HostLibrary("librados.so.2", "librados2"), new HostLibrary("librbd.so.1", "librbd1")],
        });
}
