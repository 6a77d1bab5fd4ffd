namespace StorageFs.IntegrationTests.Tree;

/// <summary>The rbd test classes share one Ceph cluster and one daemon per run.</summary>
[CollectionDefinition("ceph")]
public sealed class CephCollection : ICollectionFixture<RbdFixture>;

/// <summary>
/// One private Ceph cluster (<see cref="CephCluster"/>: its own directory and network
/// namespace) for every rbd test of the run, a second Ceph pool for the tests that need two,
/// one StorageFs daemon started inside
/// the cluster's network namespace (the mount itself is the host's), client.admin's key defined
/// in its secret store (<c>secrets/define</c>, <c>secrets/UUID/value</c>), and an rbd pool
/// <see cref="Pool"/> defined and running on the Ceph pool <c>rbd</c>. Nothing is made where
/// Ceph cannot run (the tests then skip with the reason).
/// </summary>
public sealed class RbdFixture : IDisposable
{
    private readonly string? _root;
    private readonly CephCluster? _cluster;
    private readonly TreeMount? _mount;

    public RbdFixture()
    {
        if (CephFactAttribute.Why is not null)
            return;
        _root = Directory.CreateTempSubdirectory("storagefs-rbd-").FullName;
        try
        {
            _cluster = new CephCluster(_root);
            _cluster.Ceph("osd", "pool", "create", SecondPool, "8", "8", "replicated");
            _cluster.Ceph("osd", "pool", "set", SecondPool, "size", "1", "--yes-i-really-mean-it");
            _cluster.Rbd("pool", "init", SecondPool);
            SecretUuid = Guid.NewGuid();
            _mount = TreeMount.StartWrapped(_cluster.Enter);
            // The key through the tree's secret store, as virsh secret-define and secret-set-value
            // (the value is the key's bytes in base64: what ceph-authtool prints).
            _mount.Ok($"""
                echo "<secret ephemeral='no' private='yes'><uuid>{SecretUuid:D}</uuid><usage type='ceph'><name>{SecretUsage}</name></usage></secret>" > "$M/secrets/define"
                echo '{_cluster.AdminKey}' > "$M/secrets/{SecretUuid:D}/value"
                """);
            _mount.Ok($"""
                echo "{PoolXml(Pool, _cluster.Pool)}" > "$M/define"
                echo start > "$M/pools/{Pool}/ctl"
                """);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The rbd pool the fixture runs on the Ceph pool <c>rbd</c>.</summary>
    public string Pool => "ceph";

    /// <summary>A second Ceph pool, for lifecycle, duplicate and cross-pool tests.</summary>
    public string SecondPool => "rbd2";

    /// <summary>The secret holding client.admin's key, by UUID.</summary>
    public Guid SecretUuid { get; }

    /// <summary>The same secret's usage name.</summary>
    public string SecretUsage => "ceph-client-admin";

    public CephCluster Cluster => _cluster ?? throw new InvalidOperationException("no cluster: " + CephFactAttribute.Why);

    public TreeMount Mount => _mount ?? throw new InvalidOperationException("no mount: " + CephFactAttribute.Why);

    /// <summary>An rbd pool document for <paramref name="cephPool"/> on the cluster's monitor,
    /// authenticated as admin with the secret by UUID (or <paramref name="auth"/>).</summary>
    public string PoolXml(string name, string cephPool, string? auth = null) =>
        $"<pool type='rbd'><name>{name}</name><source><name>{cephPool}</name><host name='127.0.0.1' port='{CephCluster.MonitorPort}'/>" +
        (auth ?? $"<auth type='ceph' username='admin'><secret uuid='{SecretUuid:D}'/></auth>") + "</source></pool>";

    public void Dispose()
    {
        _mount?.Dispose();
        _cluster?.Dispose();
        if (_root is not null)
        {
            try
            {
                Directory.Delete(_root, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}

/// <summary>Runs only where a Ceph cluster can: root, and Ceph's packages installed.</summary>
public sealed class CephFactAttribute : FactAttribute
{
    public CephFactAttribute()
    {
        if (Why is { } why)
            Skip = why;
    }

    public static string? Why =>
        Environment.UserName != "root" ? "needs root to run Ceph's daemons in a network namespace of their own"
        : CephCluster.Missing is { } missing ? missing
        : !File.Exists("/usr/bin/qemu-img") ? "needs qemu-img (qemu-utils)"
        : null;
}
