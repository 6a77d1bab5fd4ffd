using StorageFs.IntegrationTests.Tree;

namespace StorageFs.IntegrationTests.Cluster;

/// <summary>
/// A GlusterFS volume as the shared storage of a cluster: hosts A and B each a daemon
/// in a network and mount namespace of its own (<see cref="NetHosts"/>), etcd and a single-node
/// glusterd (tests/fixtures/GlusterDaemon.cs) in a third, on the management bridge
/// (10.213.0.3). The cluster-wide pool is a netfs pool of format glusterfs (the gluster pool
/// type cannot create volumes): every host mounts the GlusterFS volume on the same target path
/// inside its own mount namespace, each with a glusterfs client of its own.
/// </summary>
[Collection("cluster")]
public sealed class GlusterSharedTests
{
    private const int Ttl = 3;
    private const int HostA = 1, HostB = 2, HostStore = 3;

    [GlusterClusterFact]
    public void ANetfsGlusterPoolDefinedOnA_RunsOnB_AndAWriterOnAMakesBsWriteOpenFailWithEBUSY_WhileBReadsAsBytes()
    {
        var root = Directory.CreateTempSubdirectory("storagefs-glustershared-").FullName;
        string target = Directory.CreateDirectory(Path.Combine(root, "target")).FullName;
        TreeMount? a = null, b = null;
        int writer = 0;
        try
        {
            using var net = new NetHosts(Path.Combine(root, "net"), 3, ssh: false);
            using var etcd = new EtcdServer(Path.Combine(root, "etcd"), NetHosts.Address(HostStore), net.Wrapper(HostStore));
            using var gluster = new GlusterDaemon(root, net.Wrapper(HostStore), NetHosts.Address(HostStore));
            try
            {
                string Config(string host, int n) => $$"""
                    "defaultPools": false, "allowedDirectories": ["{{root}}"],
                      "cluster": { "endpoints": ["{{etcd.Endpoint}}"], "name": "gluster", "host": "{{host}}", "address": "{{NetHosts.Address(n)}}", "leaseTtl": {{Ttl}} }
                    """;
                a = net.Mount(HostA, Config("a", HostA));
                b = net.Mount(HostB, Config("b", HostB));
                var (ta, tb) = (a, b);
                Assert.True(SpinWait.SpinUntil(() => ta.Ok("cat \"$M/cluster/info\"").Contains("(2 up)", StringComparison.Ordinal), TimeSpan.FromSeconds(20)),
                    a.Ok("cat \"$M/cluster/info\""));

                File.WriteAllText(Path.Combine(a.WorkDir, "pool.xml"),
                    $"<pool type='netfs' xmlns:storagefs='urn:storagefs:cluster:1.0'><name>shared</name>" +
                    $"<source><host name='{gluster.Host}'/><dir path='{gluster.Volume}'/><format type='glusterfs'/></source>" +
                    $"<target><path>{target}</path></target><storagefs:cluster autostart='yes'/></pool>");
                a.Ok("cat \"$W/pool.xml\" > \"$M/define\"");
                Assert.True(SpinWait.SpinUntil(() => IsRunning(ta) && IsRunning(tb), TimeSpan.FromSeconds(20)),
                    "the shared pool did not run on both hosts\n--- a ---\n" + a.Daemon.Log + "\n--- b ---\n" + b.Daemon.Log);
                // Each host has the GlusterFS volume mounted in its own namespace (this
                // machine's namespace has no mount there).
                foreach (var t in (TreeMount[])[a, b])
                    Assert.Contains("fuse.glusterfs", t.Ok($"findmnt -n -o FSTYPE --target '{target}'"), StringComparison.Ordinal);
                Assert.False(Shell.Run($"mountpoint -q '{target}'").Succeeded, "the pool's mount leaked into this machine's namespace");

                // A creates the volume and writes 1 MiB (fsync: on the bricks), then keeps it open for writing.
                const string V = "pools/shared/volumes/disk";
                var data = new byte[1 << 20];
                Random.Shared.NextBytes(data);
                File.WriteAllBytes(Path.Combine(a.WorkDir, "data"), data);
                File.WriteAllText(Path.Combine(a.WorkDir, "writer.py"), $$"""
                    import os, time
                    fd = os.open(os.environ["M"] + "/{{V}}", os.O_WRONLY | os.O_CREAT, 0o600)
                    os.pwrite(fd, open(os.environ["W"] + "/data", "rb").read(), 0)
                    os.fsync(fd)
                    open(os.environ["W"] + "/writing", "w").close()
                    while not os.path.exists(os.environ["W"] + "/stop"):
                        time.sleep(0.05)
                    os.close(fd)
                    """);
                writer = int.Parse(a.Ok("python3 \"$W/writer.py\" </dev/null >\"$W/writer.log\" 2>&1 & echo $!").Trim(), CultureInfo.InvariantCulture);
                Assert.True(SpinWait.SpinUntil(() => File.Exists(Path.Combine(ta.WorkDir, "writing")), TimeSpan.FromSeconds(20)),
                    "the writer did not start: " + File.ReadAllText(Path.Combine(a.WorkDir, "writer.log")));

                // B (listing re-reads the pool) sees A's volume, may not open it for writing, reads A's bytes.
                Assert.True(SpinWait.SpinUntil(() => tb.Ok("ls \"$M/pools/shared/volumes\"").Split('\n').Contains("disk"), TimeSpan.FromSeconds(10)),
                    "b never listed a's volume");
                Assert.StartsWith($"host a pid {writer} ", b.Ok("cat \"$M/pools/shared/vol/disk/lease\""), StringComparison.Ordinal);
                b.Fails($"dd if=/dev/zero of=\"$M/{V}\" bs=1 count=1 conv=notrunc status=none", "Device or resource busy");
                Assert.Contains($"on host 'a' by process {writer}", b.AssertLastError(V, "EBUSY", op: "open"), StringComparison.Ordinal);
                b.Ok($"cmp \"$M/{V}\" \"{a.WorkDir}/data\"");

                // A closes: B may write, and A reads B's bytes (the rest still A's).
                a.Ok("touch \"$W/stop\"");
                Assert.True(SpinWait.SpinUntil(() => tb.Ok("cat \"$M/pools/shared/vol/disk/lease\"") == "none\n", TimeSpan.FromSeconds(10)),
                    "a's lease stayed after its writer closed");
                b.Ok($"printf from-b | dd of=\"$M/{V}\" conv=notrunc,fsync status=none");
                Assert.Equal("from-b", a.Ok($"head -c 6 \"$M/{V}\""));
                a.Ok($"cmp -i 6 \"$M/{V}\" \"$W/data\"");
            }
            finally
            {
                if (writer > 0)
                    Shell.Run($"kill -9 {writer}");
                foreach (var t in (TreeMount?[])[a, b])
                    t?.Sh("echo stop > \"$M/pools/shared/ctl\"");
                b?.Dispose();
                a?.Dispose();
                // Should a stop have failed: the glusterfs clients exit with their mounts.
                foreach (int host in (int[])[HostA, HostB])
                    Shell.Run($"{net.Enter(host)} sh -c \"mountpoint -q '{target}' && umount -l '{target}'\"");
            }
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static bool IsRunning(TreeMount t) =>
        t.Sh("grep -q 'State: *running' \"$M/pools/shared/info\"").Succeeded;
}

/// <summary>Skips unless root, etcd, glusterd, mount.glusterfs and what <see cref="NetHosts"/> needs are here.</summary>
public sealed class GlusterClusterFactAttribute : FactAttribute
{
    public GlusterClusterFactAttribute()
    {
        if (NetHosts.Missing is { } missing)
            Skip = missing;
        else if (!EtcdServer.Available)
            Skip = "needs etcd (Debian package etcd-server)";
        else if (!File.Exists("/usr/sbin/glusterd") || !File.Exists("/usr/sbin/gluster") || !File.Exists("/sbin/mount.glusterfs"))
            Skip = "needs glusterd, gluster (glusterfs-server) and mount.glusterfs (glusterfs-client)";
    }
}
