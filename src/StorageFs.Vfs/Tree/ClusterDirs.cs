using StorageFs.Core.Cluster;

namespace StorageFs.Vfs.Tree;

/// <summary>
/// <c>cluster/</c>, present only on a host configured into a cluster (docs/CLUSTER.md):
/// <c>info</c> (cluster, store health, this host's role) and <c>hosts/H/info</c> per member.
/// Everything is rendered from the coordinator's copy of the cluster store at open.
/// </summary>
internal static class ClusterDirs
{
    public static VDir Create(StorageTree t, IClusterCoordinator cluster)
    {
        var hostDirs = new NodeCache<VDir>();
        var hosts = new VDir(Modes.DirReadOnly)
        {
            Path = "cluster/hosts",
            Refused = t.Refused,
            Hint = "hosts join by their own configuration; a host stays listed, as gone, after it leaves",
            List = _ => cluster.Hosts(),
            Find = (_, n) => cluster.Hosts().Contains(n, StringComparer.Ordinal)
                ? hostDirs.Get(n, host => t.Dir("cluster/hosts/" + host)
                    .Add("info", t.Text($"cluster/hosts/{host}/info", Modes.ReadOnly, _ => cluster.RenderHost(host) ?? "")))
                : null,
        };
        return t.Dir("cluster", "a cluster-wide pool is defined with <storagefs:cluster/> in its <pool> document, written to define")
            .Add("info", t.Text("cluster/info", Modes.ReadOnly, _ => cluster.RenderInfo()))
            .Add("hosts", hosts);
    }
}
