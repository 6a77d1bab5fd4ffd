using StorageFs.Core.Backend;
using StorageFs.Core.Model;

namespace StorageFs.Backends.Scsi;

/// <summary>
/// What a <c>scsi</c> pool supports: libvirt's <c>virStorageBackendSCSI</c> table — check,
/// start (create the vHBA of an fc_host adapter), stop (delete a managed vHBA), refresh (rescan
/// the host, list its LUs) and, on the LU nodes, wipe, upload and download; no volume creation.
/// </summary>
public static class ScsiPoolCapabilities
{
    /// <summary>The record.</summary>
    public static PoolBackendCapabilities Value { get; } = new(
        PoolType.Scsi,
        PoolOperations.Check | PoolOperations.Start | PoolOperations.Stop | PoolOperations.Refresh |
        PoolOperations.WipeVolume | PoolOperations.UploadVolume | PoolOperations.DownloadVolume,
        VolumeFormats: [],
        DefaultVolumeFormat: null,
        WipeAlgorithms: Enum.GetValues<WipeAlgorithm>(),
        BuildFlags: PoolBuildFlags.None,
        CloneSources: [],
        TargetIsDirectory: false,
        Requires: new HostRequirements([], [new KernelFeature("/sys/class/scsi_host", null, "no SCSI hosts in the kernel (SCSI support): /sys/class/scsi_host is missing")]));
}
