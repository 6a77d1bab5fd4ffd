using StorageFs.Core.Backend;
using StorageFs.Core.Model;
using StorageFs.Backends.Devices;
using StorageFs.Backends.HostTools;

namespace StorageFs.Backends.Mpath;

/// <summary>
/// The <c>mpath</c> pool: every device-mapper multipath map on the host (libvirt's
/// <c>virStorageBackendMpath</c>; only one such pool per host, which the driver enforces).
/// Check reports it active where device-mapper exists (libvirt tests the long-gone /dev/mpath);
/// refresh lists the maps from sysfs (<see cref="MultipathMaps"/>). Stateless and thread-safe.
/// </summary>
public sealed class MpathPoolBackend(SysfsRoot? root = null) : IPoolBackend
{
    private readonly SysfsRoot _root = root ?? SysfsRoot.Real;

    /// <inheritdoc/>
    public PoolBackendCapabilities Capabilities => MpathPoolCapabilities.Value;

    /// <inheritdoc/>
    public BackendAvailability Availability() => HostSupport.Check(Capabilities);

    /// <inheritdoc/>
    public bool CheckActive(PoolDefinition pool) => Directory.Exists(_root.SysPath("class", "misc", "device-mapper"));

    /// <inheritdoc/>
    public PoolRefreshResult Refresh(PoolDefinition pool, CancellationToken cancellation)
    {
        var volumes = MultipathMaps.Volumes(_root);
        ulong total = volumes.Aggregate(0UL, (s, v) => s + v.Capacity);
        return new PoolRefreshResult(new PoolSizes(total, total, 0), volumes, null, []);
    }

    /// <inheritdoc/>
    public void WipeVolume(PoolDefinition pool, VolumeDefinition volume, WipeAlgorithm algorithm,
        IOperationProgress progress, CancellationToken cancellation) =>
        BlockVolumes.Wipe(Node(volume), algorithm, progress, cancellation);

    /// <inheritdoc/>
    public VolumeData OpenVolume(PoolDefinition pool, VolumeDefinition volume, VolumeAccessMode mode) =>
        BlockVolumes.Open(Node(volume), mode);

    private static string Node(VolumeDefinition volume)
    {
        ArgumentNullException.ThrowIfNull(volume);
        return volume.Target.Path ?? throw StorageErrors.Internal($"volume '{volume.Name}' has no path");
    }
}
