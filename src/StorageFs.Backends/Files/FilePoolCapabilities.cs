using StorageFs.Core.Backend;
using StorageFs.Core.Model;

namespace StorageFs.Backends.Files;

/// <summary>
/// The capability record of a pool whose volumes are files in a directory (<see cref="FilePoolBackend"/>):
/// libvirt's <c>virStorageBackendDirectory</c> volume callbacks, which fs and netfs share
/// (src/storage/storage_backend_fs.c) — raw, qcow2 and dir volumes (raw the default), ploop
/// volumes written natively and vmdk, vdi, vpc, qed and qcow volumes through qemu-img, every
/// wipe algorithm written natively (libvirt needs scrub(1) for all but zero), clones from any
/// pool whose volumes are files or devices. The type adds its own lifecycle and build flags.
/// </summary>
public static class FilePoolCapabilities
{
    /// <summary>The volume operations of every file pool.</summary>
    public const PoolOperations VolumeOperations =
        PoolOperations.CreateVolume | PoolOperations.CloneVolume | PoolOperations.DeleteVolume |
        PoolOperations.ResizeVolume | PoolOperations.WipeVolume | PoolOperations.UploadVolume |
        PoolOperations.DownloadVolume | PoolOperations.RefreshVolume;

    /// <summary>The record of <paramref name="type"/> with its <paramref name="lifecycle"/> operations, build flags, host requirements and behaviour flags.</summary>
    public static PoolBackendCapabilities For(PoolType type, PoolOperations lifecycle, PoolBuildFlags buildFlags,
        HostRequirements? requires = null, bool buildWhenCreated = false, bool listingFollowsTargetMtime = false) => new(
        type,
        VolumeOperations | PoolOperations.Refresh | lifecycle,
        VolumeFormats: ["raw", "qcow2", "dir", "ploop", "vmdk", "vdi", "vpc", "qed", "qcow"],
        DefaultVolumeFormat: "raw",
        WipeAlgorithms: Enum.GetValues<WipeAlgorithm>(),
        BuildFlags: buildFlags,
        CloneSources: [PoolType.Dir, PoolType.Fs, PoolType.NetFs, PoolType.Vstorage,
            PoolType.Logical, PoolType.Disk, PoolType.Iscsi, PoolType.Scsi, PoolType.Mpath],
        TargetIsDirectory: true,
        requires,
        buildWhenCreated,
        listingFollowsTargetMtime);
}
