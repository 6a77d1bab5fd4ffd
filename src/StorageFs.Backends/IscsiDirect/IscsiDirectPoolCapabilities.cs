using StorageFs.Core.Backend;
using StorageFs.Core.Model;

namespace StorageFs.Backends.IscsiDirect;

/// <summary>
/// What an <c>iscsi-direct</c> pool supports: libvirt's <c>virStorageBackendISCSIDirect</c>
/// table — check, refresh (the target's LUNs as network volumes) and a zero-only wipe; no
/// build, start or stop (nothing to set up: every refresh logs in afresh), no volume creation.
/// Beyond libvirt: upload and download, i.e. the LUN's bytes through libiscsi in process
/// (libvirt leaves iscsi-direct volumes to QEMU's own libiscsi driver).
/// </summary>
public static class IscsiDirectPoolCapabilities
{
    /// <summary>The record.</summary>
    public static PoolBackendCapabilities Value { get; } = new PoolBackendCapabilities(
        PoolType.IscsiDirect,
        PoolOperations.Check | PoolOperations.Refresh | PoolOperations.WipeVolume |
        PoolOperations.UploadVolume | PoolOperations.DownloadVolume,
        VolumeFormats: [],
        DefaultVolumeFormat: null,
        WipeAlgorithms: [WipeAlgorithm.Zero],
        BuildFlags: PoolBuildFlags.None,
        CloneSources: [],
        TargetIsDirectory: false,
        Requires: new HostRequirements([.. HostRequirements.From("libiscsi-bin", "iscsi-ls", "iscsi-readcapacity16"), .. HostRequirements.From("qemu-utils", "qemu-io")], [])) with { SharedStorage = true };
}
