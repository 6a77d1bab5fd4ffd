using Serilog;
using StorageFs.Core;
using StorageFs.Core.Backend;
using StorageFs.Core.Model;
using StorageFs.Backends.Devices;
using StorageFs.Backends.HostTools;

namespace StorageFs.Backends.Scsi;

/// <summary>
/// The <c>scsi</c> pool: the LUs of one SCSI host adapter (libvirt's <c>virStorageBackendSCSI</c>,
/// src/storage/storage_backend_scsi.c), found through sysfs: a scsi_host by name or by parent
/// PCI address and unique_id, an fc_host by wwnn/wwpn — created as an NPIV vHBA on its parent at
/// start when it does not exist, and deleted at stop when <c>managed='yes'</c>. A refresh writes
/// "- - -" to the host's scan file and lists its disk and CD-ROM LUs. Volume data goes through
/// the LU's device node. Stateless and thread-safe.
/// </summary>
public sealed class ScsiPoolBackend : IPoolBackend
{
    private readonly TimeSpan _vportWait;
    private readonly SysfsRoot _root;
    private readonly ILogger _log;

    /// <summary>A scsi backend reading sysfs and /dev under <paramref name="root"/> (default "/"),
    /// waiting up to <paramref name="vportWait"/> (default 5 s) for a new vHBA to appear.</summary>
    public ScsiPoolBackend(ILogger? logger = null, SysfsRoot? root = null, TimeSpan? vportWait = null)
    {
        _vportWait = vportWait ?? TimeSpan.FromSeconds(5);
        _log = (logger ?? Serilog.Core.Logger.None).ForContext<ScsiPoolBackend>();
        _root = root ?? SysfsRoot.Real;
    }

    /// <inheritdoc/>
    public PoolBackendCapabilities Capabilities => ScsiPoolCapabilities.Value;

    /// <inheritdoc/>
    public BackendAvailability Availability() => HostSupport.Check(Capabilities);

    /// <inheritdoc/>
    public bool CheckActive(PoolDefinition pool) => ScsiHosts.Find(_root, Adapter(pool)) is not null;

    /// <inheritdoc/>
    public void Start(PoolDefinition pool, CancellationToken cancellation)
    {
        var adapter = Adapter(pool);
        if (adapter.Type != AdapterType.FcHost || ScsiHosts.Find(_root, adapter) is not null)
        {
            return;
        }
        var parent = ScsiHosts.ParentOf(_root, adapter);
        ScsiHosts.CreateVport(_root, parent, adapter.Wwnn!, adapter.Wwpn!);
        var deadline = DateTime.UtcNow + _vportWait;
        while (ScsiHosts.FindByWwn(_root, adapter.Wwnn!, adapter.Wwpn!) is null)
        {
            cancellation.ThrowIfCancellationRequested();
            if (DateTime.UtcNow > deadline)
            {
                throw StorageErrors.OperationFailed(
                    $"vHBA with wwnn '{adapter.Wwnn}' and wwpn '{adapter.Wwpn}' did not appear on parent host{parent}");
            }
            Thread.Sleep(100);
        }
        _log.Information("Pool {Pool}: created vHBA {Wwpn} on host{Parent}", pool.Name, adapter.Wwpn, parent);
    }

    /// <inheritdoc/>
    public void Stop(PoolDefinition pool)
    {
        var adapter = Adapter(pool);
        if (adapter.Type != AdapterType.FcHost || adapter.Managed != TristateBool.Yes ||
            ScsiHosts.Find(_root, adapter) is null)
        {
            return;
        }
        ScsiHosts.DeleteVport(_root, ScsiHosts.ParentOf(_root, adapter), adapter.Wwnn!, adapter.Wwpn!);
    }

    /// <inheritdoc/>
    public PoolRefreshResult Refresh(PoolDefinition pool, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(pool);
        var adapter = Adapter(pool);
        uint host = adapter.Type == AdapterType.ScsiHost && adapter.Name is { } name
            ? ScsiHosts.Number(name)
            : ScsiHosts.Find(_root, adapter) ?? throw StorageErrors.OperationFailed(
                $"cannot find SCSI host for adapter of pool '{pool.Name}'");
        ScsiLunScanner.Rescan(_root, host);
        var problems = new List<string>();
        var volumes = ScsiLunScanner.Volumes(_root, pool, host, problems);
        ulong total = volumes.Aggregate(0UL, (s, v) => s + v.Capacity);
        return new PoolRefreshResult(new PoolSizes(total, total, 0), volumes, null, problems);
    }

    /// <inheritdoc/>
    public void WipeVolume(PoolDefinition pool, VolumeDefinition volume, WipeAlgorithm algorithm,
        IOperationProgress progress, CancellationToken cancellation) =>
        BlockVolumes.Wipe(Node(volume), algorithm, progress, cancellation);

    /// <inheritdoc/>
    public VolumeData OpenVolume(PoolDefinition pool, VolumeDefinition volume, VolumeAccessMode mode) =>
        BlockVolumes.Open(Node(volume), mode);

    private static StorageAdapter Adapter(PoolDefinition pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        return pool.Source.Adapter ?? throw StorageErrors.ConfigUnsupported("missing storage pool source adapter");
    }

    private static string Node(VolumeDefinition volume)
    {
        ArgumentNullException.ThrowIfNull(volume);
        return volume.Target.Path ?? throw StorageErrors.Internal($"volume '{volume.Name}' has no path");
    }
}
