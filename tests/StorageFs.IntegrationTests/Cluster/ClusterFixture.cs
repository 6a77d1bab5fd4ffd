using StorageFs.IntegrationTests.Tree;
using StorageFs.Testing;

namespace StorageFs.IntegrationTests.Cluster;

/// <summary>
/// What the cluster tests share: one etcd and one tgtd target (two 16 MiB LUNs) as the shared
/// storage. Each test makes its own hosts in a cluster of its own name, so tests never see each
/// other's pools or leases.
/// </summary>
public sealed class ClusterFixture : IDisposable
{
    private readonly string _root;
    private int _clusters;

    public ClusterFixture()
    {
        _root = Directory.CreateTempSubdirectory("storagefs-cluster-").FullName;
        if (!ClusterFactAttribute.Runnable)
            return;
        Etcd = new EtcdServer(Path.Combine(_root, "etcd"));
        Tgt = new TgtDaemon(_root, 16L << 20, 16L << 20);
    }

    public EtcdServer? Etcd { get; }

    internal TgtDaemon? Tgt { get; }

    /// <summary>A cluster name no other test uses.</summary>
    public string NewCluster() => $"c{Environment.ProcessId}x{Interlocked.Increment(ref _clusters)}";

    /// <summary>
    /// Starts a host of <paramref name="cluster"/>: a daemon on a mount, state and runtime
    /// directory of its own, in this machine's one network namespace (etcd on 127.0.0.1).
    /// </summary>
    public TreeMount StartHost(string cluster, string host, int ttl = 3) =>
        TreeMount.StartWithConfig($$"""
            "defaultPools": false,
              "cluster": { "endpoints": ["{{Etcd!.Endpoint}}"], "name": "{{cluster}}", "host": "{{host}}", "address": "127.0.0.1", "leaseTtl": {{ttl}} }
            """);

    /// <summary>A cluster-wide iscsi-direct pool document on the fixture's target.</summary>
    public string SharedPoolXml(string name, bool autostart = true) =>
        $"<pool type='iscsi-direct' xmlns:storagefs='urn:storagefs:cluster:1.0'><name>{name}</name>" +
        $"<source><host name='127.0.0.1' port='{Tgt!.Port}'/><device path='{Tgt.Target}'/>" +
        $"<initiator><iqn name='iqn.2026-12.org.storagefs:cluster'/></initiator></source>" +
        $"<storagefs:cluster autostart='{(autostart ? "yes" : "no")}'/></pool>";

    public void Dispose()
    {
        Tgt?.Dispose();
        Etcd?.Dispose();
        Directory.Delete(_root, recursive: true);
    }
}

/// <summary>Skips unless etcd, tgtd and root are here.</summary>
public sealed class ClusterFactAttribute : FactAttribute
{
    public ClusterFactAttribute()
    {
        if (Environment.UserName != "root")
            Skip = "needs root (FUSE mounts, tgtd in a mount namespace of its own)";
        else if (!EtcdServer.Available)
            Skip = "needs etcd (Debian package etcd-server)";
        else if (!TgtDaemon.Available)
            Skip = "needs tgtd and tgtadm (Debian package tgt), unshare and nsenter (util-linux)";
        else if (!File.Exists("/usr/bin/iscsi-ls"))
            Skip = "needs iscsi-ls (libiscsi-bin, which brings libiscsi7)";
    }

    public static bool Runnable =>
        Environment.UserName == "root" && EtcdServer.Available && TgtDaemon.Available && File.Exists("/usr/bin/iscsi-ls");
}
