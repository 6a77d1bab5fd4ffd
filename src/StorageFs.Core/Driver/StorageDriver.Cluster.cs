using StorageFs.Core.Backend;
using StorageFs.Core.Cluster;
using StorageFs.Core.Model;
using StorageFs.Core.Xml;

namespace StorageFs.Core.Driver;

/// <summary>Cluster-wide pools and volume leases (docs/CLUSTER.md): the driver's side of
/// <see cref="IClusterCoordinator"/>. Without a cluster none of this runs.</summary>
public sealed partial class StorageDriver
{
    private IClusterCoordinator? _cluster;

    /// <summary>The cluster this host belongs to, or null for a host of its own.</summary>
    public IClusterCoordinator? Cluster => Volatile.Read(ref _cluster);

    /// <summary>Makes this driver a member of <paramref name="cluster"/>: cluster-wide pools are
    /// published through it, and opens for writing of their volumes take its leases. Once.</summary>
    /// <exception cref="InvalidOperationException">Called twice.</exception>
    public void JoinCluster(IClusterCoordinator cluster)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        if (Interlocked.CompareExchange(ref _cluster, cluster, null) is not null)
        {
            throw new InvalidOperationException("the storage driver is already in a cluster");
        }
    }

    /// <summary>The pool types whose storage every host reaches (the capability's SharedStorage).</summary>
    public IReadOnlyList<string> SharedPoolTypes() =>
        [.. _backends.PoolCapabilities.Where(c => c.SharedStorage).Select(c => c.Type.ToXml()).Order(StringComparer.Ordinal)];

    // A user's define of a document with <storagefs:cluster/>: defined here, then published.
    private PoolInfo DefineClusterPool(PoolDefinition def, bool transient)
    {
        if (transient)
        {
            throw StorageErrors.InvalidArg($"pool '{def.Name}' is cluster-wide (storagefs:cluster): define it; create makes a transient pool of this host alone");
        }
        var cluster = Cluster ?? throw new StorageException(ErrorCode.ConfigUnsupported,
            $"pool '{def.Name}' is cluster-wide (storagefs:cluster) but this host belongs to no cluster (configure cluster endpoints, cluster name and host name)");
        if (_backends.Find(def.Type) is { } backend && !backend.Capabilities.SharedStorage)
        {
            throw new StorageException(ErrorCode.ConfigUnsupported,
                $"pool type '{def.Type.ToXml()}' keeps its storage on one host: only pools on storage every host reaches may be cluster-wide ({string.Join(", ", SharedPoolTypes())})");
        }
        bool existed = _pools.All().Any(e => e.Name == def.Name);
        var entry = _pools.Define(def);
        try
        {
            cluster.PublishPool(def, PoolXml.Format(DefinitionCopy.Of(def)));
        }
        catch (StorageException) when (!existed)
        {
            _pools.Undefine(def.Name);
            throw;
        }
        ApplyClusterAutostart(def);
        return PoolInfoOf(entry);
    }

    /// <summary>
    /// Defines here a cluster-wide pool the cluster store holds (a host learning of it, at once
    /// through the store's watch or when it comes back): a new pool, or a redefinition when the
    /// document changed; with <c>autostart='yes'</c> the pool is marked autostart and started.
    /// Nothing is published back.
    /// </summary>
    /// <exception cref="StorageException">The document is refused here (a local pool of that
    /// name or source, a target outside the allowed directories).</exception>
    public void ApplyClusterPool(string xml)
    {
        var def = _poolFlavor.Parse(SafeXml.Load(xml, PoolXml.DocumentName));
        if (def.Cluster is null)
        {
            throw StorageErrors.InvalidArg($"pool '{def.Name}' in the cluster store is not cluster-wide");
        }
        var existing = _pools.All().FirstOrDefault(e => e.Name == def.Name);
        if (existing is not null)
        {
            PoolDefinition current;
            lock (existing.Gate)
            {
                current = existing.Pending ?? existing.Def;
            }
            if (current.Cluster is null)
            {
                throw new StorageException(ErrorCode.PoolExists,
                    $"pool '{def.Name}' is defined on this host alone; the cluster-wide pool of that name is not defined here");
            }
            if (PoolXml.Format(DefinitionCopy.Of(current)) != PoolXml.Format(DefinitionCopy.Of(def)))
            {
                _pools.Define(def);
            }
        }
        else
        {
            _pools.Define(def);
        }
        ApplyClusterAutostart(def);
    }

    /// <summary>
    /// Undefines here a cluster-wide pool that left the cluster store: stopped first when it
    /// runs (refused while its volumes are in use: then it stays, and the error says why).
    /// A pool of that name defined on this host alone is left alone.
    /// </summary>
    /// <returns>False when there was no cluster-wide pool of that name here.</returns>
    public bool RemoveClusterPool(string name)
    {
        var existing = _pools.All().FirstOrDefault(e => e.Name == name);
        if (existing is null)
        {
            return false;
        }
        bool active;
        lock (existing.Gate)
        {
            if (existing.Def.Cluster is null)
            {
                return false;
            }
            active = existing.IsActive;
        }
        if (active)
        {
            _pools.Stop(name);
        }
        _pools.Undefine(name);
        return true;
    }

    // A document without the element may not redefine a cluster-wide pool: the store and the
    // other hosts would keep it shared while this host made it its own.
    private void RequireNotClusterWide(string name)
    {
        var existing = _pools.All().FirstOrDefault(e => e.Name == name);
        if (existing is null)
        {
            return;
        }
        lock (existing.Gate)
        {
            if (existing.Def.Cluster is null)
            {
                return;
            }
        }
        throw StorageErrors.OperationInvalid(
            $"pool '{name}' is cluster-wide: a redefinition must keep <storagefs:cluster/> (undefine it to define a pool of this host alone)");
    }

    /// <summary>The names of the cluster-wide pools defined here.</summary>
    public IReadOnlyList<string> ListClusterPools() =>
        [.. _pools.All().Where(e => { lock (e.Gate) { return e.Def.Cluster is not null; } }).Select(e => e.Name)];

    /// <summary>libvirt's duplicate-source message when <paramref name="candidate"/> has the source
    /// of one of <paramref name="others"/> (other pools of the cluster), else null.</summary>
    public static string? SharedSourceConflict(PoolDefinition candidate, IEnumerable<PoolDefinition> others)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        ArgumentNullException.ThrowIfNull(others);
        foreach (var other in others)
        {
            if (other.Name != candidate.Name && other.Type == candidate.Type && PoolConflicts.SourceMatches(other, candidate))
            {
                return $"Storage source conflict with pool: '{other.Name}' (a cluster-wide pool)";
            }
        }
        return null;
    }

    private void ApplyClusterAutostart(PoolDefinition def)
    {
        if (def.Cluster is not { Autostart: true })
        {
            return;
        }
        var info = GetPoolInfo(def.Name);
        if (!info.Autostart)
        {
            _pools.SetAutostart(def.Name, true);
        }
        if (!info.IsActive && info.State != PoolState.Building)
        {
            try
            {
                _pools.Start(def.Name, null);
            }
            catch (StorageException e) when (FindPool(def.Name) is { } now && (now.IsActive || now.State == PoolState.Building))
            {
                // started meanwhile by the other path (the define and the store's watch race)
                _log.Debug("Cluster-wide pool {Pool} already starting: {Error}", def.Name, e.Message);
            }
            catch (StorageException e)
            {
                _log.Error("Cluster-wide pool {Pool} does not start on this host: {Error}", def.Name, e.Message);
            }
        }
    }

    // The write lease of a cluster-wide pool's volume (null for a pool of this host alone).
    private IDisposable? TakeClusterLease(PoolDefinition def, string volume, VolumeAccessMode mode, uint pid)
    {
        if (mode != VolumeAccessMode.Write || def.Cluster is null)
        {
            return null;
        }
        var cluster = Cluster ?? throw StorageErrors.OperationInvalid(
            $"pool '{def.Name}' is cluster-wide but this host belongs to no cluster: its volumes open read-only only (no lease can be taken)");
        return cluster.TakeVolumeLease(def.Name, volume, pid);
    }
}
