using StorageFs.Core.Backend;
using StorageFs.Core.Model;

namespace StorageFs.Backends.Iscsi;

/// <summary>
/// What an <c>iscsi</c> pool supports: libvirt's <c>virStorageBackendISCSI</c> table — check
/// (a session exists), start (login), stop (logout), refresh (rescan, LUs from sysfs) and, on
/// the LU nodes, wipe, upload and download; no build, no volume creation.
/// </summary>
public static class IscsiPoolCapabilities
{
    /// <summary>The record.</summary>
    public static PoolBackendCapabilities Value { get; } = new PoolBackendCapabilities(
        PoolType.Iscsi,
        PoolOperations.Check | PoolOperations.Start | PoolOperations.Stop | PoolOperations.Refresh |
        PoolOperations.WipeVolume | PoolOperations.UploadVolume | PoolOperations.DownloadVolume,
        VolumeFormats: [],
        DefaultVolumeFormat: null,
        WipeAlgorithms: Enum.GetValues<WipeAlgorithm>(),
        BuildFlags: PoolBuildFlags.None,
        CloneSources: [],
        TargetIsDirectory: false,
        Requires: new HostRequirements([.. HostRequirements.From("open-iscsi", "iscsiadm")],
            [new KernelFeature("/sys/class/iscsi_transport/tcp", null,
                "no kernel iSCSI initiator (iscsi_tcp): /sys/class/iscsi_transport/tcp is missing, iscsiadm cannot log in")])) with { SharedStorage = true };
}
