using StorageFs.Core.Backend;
using StorageFs.Core.Model;

namespace StorageFs.Backends.Logical;

/// <summary>
/// What a <c>logical</c> pool supports: libvirt's <c>virStorageBackendLogical</c> table
/// (check, start, stop, build, delete, refresh, volume create/clone/delete, upload, download,
/// wipe) plus resize through lvresize, which libvirt lacks. LVs have no format; every wipe
/// algorithm runs natively on the LV node; build distinguishes overwrite from no-overwrite
/// (no-overwrite refuses a device with any signature, as libvirt's blkid probe does).
/// </summary>
public static class LogicalPoolCapabilities
{
    /// <summary>The record.</summary>
    public static PoolBackendCapabilities Value { get; } = new(
        PoolType.Logical,
        PoolOperations.Check | PoolOperations.Start | PoolOperations.Stop | PoolOperations.Build |
        PoolOperations.Delete | PoolOperations.Refresh | PoolOperations.CreateVolume | PoolOperations.CloneVolume |
        PoolOperations.DeleteVolume | PoolOperations.ResizeVolume | PoolOperations.WipeVolume |
        PoolOperations.UploadVolume | PoolOperations.DownloadVolume | PoolOperations.RefreshVolume,
        VolumeFormats: [],
        DefaultVolumeFormat: null,
        WipeAlgorithms: Enum.GetValues<WipeAlgorithm>(),
        BuildFlags: PoolBuildFlags.Overwrite | PoolBuildFlags.NoOverwrite,
        CloneSources: [PoolType.Dir, PoolType.Fs, PoolType.NetFs, PoolType.Logical, PoolType.Disk,
            PoolType.Iscsi, PoolType.Scsi, PoolType.Mpath],
        TargetIsDirectory: false,
        Requires: new HostRequirements(
            [.. HostRequirements.From("lvm2", "pvcreate", "vgcreate", "vgchange", "vgremove", "pvremove", "lvcreate", "lvremove", "lvresize", "lvs", "vgs", "pvs"),
             .. HostRequirements.From("util-linux", "blkid")],
            [new KernelFeature("/sys/class/misc/device-mapper", null,
                "no device-mapper in the kernel (/sys/class/misc/device-mapper is missing): LVM runs with activation off " +
                "(driverloaded n), so volume groups and LVs are metadata only and LV data (wipe, upload, download, clone) cannot be reached",
                Required: false)]),
        // lvcreate --snapshot needs the dm-snapshot target; this host has no device-mapper.
        SnapshotRefusal: "an LVM snapshot needs device-mapper, which this host lacks");
}
