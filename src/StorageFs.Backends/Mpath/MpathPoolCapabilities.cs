using StorageFs.Core.Backend;
using StorageFs.Core.Model;

namespace StorageFs.Backends.Mpath;

/// <summary>
/// What an <c>mpath</c> pool supports: libvirt's <c>virStorageBackendMpath</c> table — check and
/// refresh (the host's multipath maps) — plus wipe, upload and download on the map nodes, which
/// libvirt 9.0 also offers for mpath volumes; no volume creation.
/// </summary>
public static class MpathPoolCapabilities
{
    /// <summary>The record.</summary>
    public static PoolBackendCapabilities Value { get; } = new(
        PoolType.Mpath,
        PoolOperations.Check | PoolOperations.Refresh | PoolOperations.WipeVolume | PoolOperations.UploadVolume |
        PoolOperations.DownloadVolume,
        VolumeFormats: [],
        DefaultVolumeFormat: null,
        WipeAlgorithms: Enum.GetValues<WipeAlgorithm>(),
        BuildFlags: PoolBuildFlags.None,
        CloneSources: [],
        TargetIsDirectory: false,
        Requires: new HostRequirements([], [new KernelFeature("/sys/class/misc/device-mapper", null, "no device-mapper in the kernel (dm-multipath): /sys/class/misc/device-mapper is missing")]));
}
