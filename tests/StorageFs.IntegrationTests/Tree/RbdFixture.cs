namespace StorageFs.IntegrationTests.Tree;

/// <summary>The rbd test classes share one Ceph cluster and one daemon per run.</summary>
[CollectionDefinition("ceph")]
public sealed class CephCollection : ICollectionFixture<RbdFixture>;

/// <summary>
/// One private Ceph cluster (<see cref="CephCluster"/>: its own directory and network
/// namespace) for every rbd test of the run, a second Ceph pool for the tests that need two,
/// client.admin's key as a secret the daemon can read, and one StorageFs daemon started inside
/// the cluster's network namespace (the mount itself is the host's), with an rbd pool
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
            string secrets = Path.Combine(_root, "secrets");
            foreach (var (dir, name) in new[] { ("by-uuid", SecretUuid.ToString("D")), ("by-usage", SecretUsage) })
            {
                string d = Directory.CreateDirectory(Path.Combine(secrets, dir)).FullName;
                File.SetUnixFileMode(d, (UnixFileMode)0x1C0);
                string f = Path.Combine(d, name);
                File.WriteAllText(f, _cluster.AdminKey);
                File.SetUnixFileMode(f, (UnixFileMode)0x180);
            }
            File.SetUnixFileMode(secrets, (UnixFileMode)0x1C0);
            _mount = TreeMount.StartWrapped([.. _cluster.Enter, "env", $"STORAGEFS_SECRETS_DIR={secrets}"]);
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
