using StorageFs.Core.Model;

namespace StorageFs.Core.Cluster;

/// <summary>
/// What the driver and the tree ask of the cluster this host belongs to (docs/CLUSTER.md). A
/// host configured without a cluster has none: <see cref="Driver.StorageDriver.Cluster"/> is null
/// and no code behind this interface runs. The implementation (src/StorageFs.Cluster, on etcd) is
/// the only code that knows the cluster store.
/// </summary>
public interface IClusterCoordinator
{
    /// <summary>This host's name in the cluster.</summary>
    string HostName { get; }

    /// <summary>
    /// Stores the definition of a cluster-wide pool, just defined on this host, in the cluster
    /// store, from where every host defines it. Refused (and nothing stored) when another
    /// cluster-wide pool has that name with another UUID or the same source.
    /// </summary>
    /// <exception cref="StorageException">PoolExists for a conflict, InternalError when the
    /// store cannot be reached.</exception>
    void PublishPool(PoolDefinition def, string xml);

    /// <summary>Removes a cluster-wide pool, just undefined on this host, from the store: every
    /// host undefines it.</summary>
    /// <exception cref="StorageException">InternalError when the store cannot be reached.</exception>
    void WithdrawPool(string name);

    /// <summary>
    /// Takes (or, when this host holds it already, shares) the write lease of a volume of a
    /// cluster-wide pool for process <paramref name="pid"/>; disposing the result gives this use
    /// back, and the lease goes with the last one.
    /// </summary>
    /// <exception cref="StorageException">Busy (EBUSY) naming the holder host and process when
    /// another host holds it; OperationInvalid when this host is not a live member.</exception>
    IDisposable TakeVolumeLease(string pool, string volume, uint pid);

    /// <summary>The volume's lease as text (holder host, process, since), or null when none is held.</summary>
    string? DescribeVolumeLease(string pool, string volume);

    /// <summary>The <c>cluster/info</c> text: cluster name, store health, this host's role.</summary>
    string RenderInfo();

    /// <summary>Every member host's name, sorted.</summary>
    IReadOnlyList<string> Hosts();

    /// <summary>A member's <c>info</c> text, or null when there is no such member.</summary>
    string? RenderHost(string host);

    /// <summary>Raised for each cluster event (pool defined or started on a host, lease taken,
    /// released or lapsed, host joined or gone), on the coordinator's thread.</summary>
    event EventHandler<ClusterEventArgs>? Event;
}
