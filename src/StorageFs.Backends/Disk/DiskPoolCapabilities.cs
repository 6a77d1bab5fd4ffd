using StorageFs.Core.Backend;
using StorageFs.Core.Model;

namespace StorageFs.Backends.Disk;

/// <summary>
/// What a <c>disk</c> pool supports: libvirt's <c>virStorageBackendDisk</c> table (check,
/// start, build, delete, refresh, volume create/clone/delete, upload, download, wipe; no stop),
/// plus resize, which libvirt lacks (parted resizepart: the end moves, the start stays), volumes in libvirt's partition formats (none the default; extended only on DOS
/// tables), every wipe algorithm natively on the partition node, build with overwrite and
/// no-overwrite.
/// </summary>
public static class DiskPoolCapabilities
{
    /// <summary>The record.</summary>
    public static PoolBackendCapabilities Value { get; } = new(
        PoolType.Disk,
        PoolOperations.Check | PoolOperations.Start | PoolOperations.Build | PoolOperations.Delete |
        PoolOperations.Refresh | PoolOperations.CreateVolume | PoolOperations.CloneVolume |
        PoolOperations.DeleteVolume | PoolOperations.WipeVolume | PoolOperations.UploadVolume |
        PoolOperations.DownloadVolume | PoolOperations.RefreshVolume | PoolOperations.ResizeVolume,
        VolumeFormats: ["none", "linux", "fat16", "fat32", "linux-swap", "linux-lvm", "linux-raid", "extended"],
        DefaultVolumeFormat: "none",
        WipeAlgorithms: Enum.GetValues<WipeAlgorithm>(),
        BuildFlags: PoolBuildFlags.Overwrite | PoolBuildFlags.NoOverwrite,
        CloneSources: [PoolType.Dir, PoolType.Fs, PoolType.NetFs, PoolType.Logical, PoolType.Disk,
            PoolType.Iscsi, PoolType.Scsi, PoolType.Mpath],
        TargetIsDirectory: false,
        Requires: new HostRequirements([.. HostRequirements.From("parted", "parted"), .. HostRequirements.From("util-linux", "blkid", "partx")], []));
}
