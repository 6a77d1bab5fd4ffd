using StorageFs.Core.Backend;
using StorageFs.Core.Model;

namespace StorageFs.Backends.Dir;

/// <summary>
/// What a <c>dir</c> pool supports: libvirt's <c>virStorageBackendDirectory</c> table
/// (src/storage/storage_backend_fs.c) — no start or stop; build (mkdir), delete (rmdir),
/// refresh, and every volume operation — with raw, qcow2 and dir volumes (raw the default),
/// ploop volumes written natively and vmdk, vdi, vpc, qed and qcow volumes through qemu-img,
/// every wipe algorithm written natively (libvirt needs scrub(1) for all but zero), build
/// flags accepted but not distinguished, clones from any pool whose volumes are files.
/// </summary>
public static class DirPoolCapabilities
{
    /// <summary>The record.</summary>
    public static PoolBackendCapabilities Value { get; } = new(
        PoolType.Dir,
        PoolOperations.Check | PoolOperations.Build | PoolOperations.Delete | PoolOperations.Refresh |
        PoolOperations.CreateVolume | PoolOperations.CloneVolume | PoolOperations.DeleteVolume |
        PoolOperations.ResizeVolume | PoolOperations.WipeVolume | PoolOperations.UploadVolume |
        PoolOperations.DownloadVolume | PoolOperations.RefreshVolume,
        VolumeFormats: ["raw", "qcow2", "dir", "ploop", "vmdk", "vdi", "vpc", "qed", "qcow"],
        DefaultVolumeFormat: "raw",
        WipeAlgorithms: Enum.GetValues<WipeAlgorithm>(),
        BuildFlags: PoolBuildFlags.Overwrite | PoolBuildFlags.NoOverwrite,
        CloneSources: [PoolType.Dir, PoolType.Fs, PoolType.NetFs, PoolType.Vstorage,
            PoolType.Logical, PoolType.Disk, PoolType.Iscsi, PoolType.Scsi, PoolType.Mpath],
        TargetIsDirectory: true);
}
