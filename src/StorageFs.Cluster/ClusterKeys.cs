namespace StorageFs.Cluster;

/// <summary>
/// The cluster's keys in etcd, all under <c>/storagefs/CLUSTER/</c> (docs/CLUSTER.md, Keys):
/// <code>
/// pools/P            JSON {xml, host, time}       a cluster-wide pool (no lease)
/// poolsrev           ""                            bumped by every pool change (optimistic lock)
/// undefined/P        JSON {host, time}             who undefined P last (no lease)
/// members/H          JSON {address, joined, gone}  every host that ever joined (no lease)
/// alive/H            JSON {address, pid, since}    H is up (H's membership lease)
/// running/H/P        ""                            H runs shared pool P (H's lease)
/// leases/P/V         JSON {host, pid, since}       H writes volume V of P (H's lease)
/// </code>
/// </summary>
internal sealed class ClusterKeys(string cluster)
{
    public string Prefix { get; } = $"/storagefs/{cluster}/";

    public string Pools => Prefix + "pools/";

    public string Pool(string pool) => Pools + pool;

    public string PoolsRevision => Prefix + "poolsrev";

    public string Undefined(string pool) => Prefix + "undefined/" + pool;

    public string Members => Prefix + "members/";

    public string Member(string host) => Members + host;

    public string AliveRoot => Prefix + "alive/";

    public string Alive(string host) => AliveRoot + host;

    public string RunningRoot => Prefix + "running/";

    public string Running(string host, string pool) => RunningRoot + host + "/" + pool;

    public string LeasesRoot => Prefix + "leases/";

    public string Lease(string pool, string volume) => LeasesRoot + pool + "/" + volume;

    /// <summary>The end of the range of keys starting with <paramref name="prefix"/> (etcd's prefix rule: last byte + 1).</summary>
    public static string RangeEnd(string prefix) => prefix[..^1] + (char)(prefix[^1] + 1);
}
