using StorageFs.IntegrationTests.Tree;

namespace StorageFs.IntegrationTests.Cluster;

/// <summary>
/// Hosts with networks of their own: A and B each a daemon in
/// a network namespace with a veth pair on the test's management bridge (10.213.0.N) and a
/// second one on its storage network (10.214.0.N), etcd in a third namespace on the management
/// bridge, and the shared storage a tgtd on the storage network. Cutting A's management link
/// (its veth down) leaves A writing to the storage but deaf to the store: the fencing case.
/// </summary>
[Collection("cluster")]
public sealed class LinkCutTests
{
    private const int Ttl = 3;
    private const string Volume = "unit:0:0:1";

    [ClusterFact]
    public void ALinkCutWhileAWriterOnAWrites_StopsTheWriterBeforeBCanTakeTheLease_AndNoByteOfAFollowsBsFirst()
    {
        var root = Directory.CreateTempSubdirectory("storagefs-linkcut-").FullName;
        try
        {
            using var net = new NetHosts(Path.Combine(root, "net"), 3, ssh: false, storageNetwork: true);
            const int HostA = 1, HostB = 2, HostEtcd = 3;
            using var etcd = new EtcdServer(Path.Combine(root, "etcd"), NetHosts.Address(HostEtcd), net.Wrapper(HostEtcd));
            using var tgt = new TgtDaemon(root, NetHosts.StorageGateway, 16L << 20);
            string Config(string host) => $$"""
                "defaultPools": false,
                  "cluster": { "endpoints": ["{{etcd.Endpoint}}"], "name": "cut", "host": "{{host}}", "address": "{{NetHosts.Address(host == "a" ? HostA : HostB)}}", "leaseTtl": {{Ttl}} }
                """;
            using var a = net.Mount(HostA, Config("a"));
            using var b = net.Mount(HostB, Config("b"));
            Assert.True(SpinWait.SpinUntil(() => a.Ok("cat \"$M/cluster/info\"").Contains("(2 up)", StringComparison.Ordinal), TimeSpan.FromSeconds(20)),
                a.Ok("cat \"$M/cluster/info\""));
            File.WriteAllText(Path.Combine(a.WorkDir, "pool.xml"),
                $"<pool type='iscsi-direct' xmlns:storagefs='urn:storagefs:cluster:1.0'><name>shared</name>" +
                $"<source><host name='{tgt.Address}' port='{tgt.Port}'/><device path='{tgt.Target}'/>" +
                $"<initiator><iqn name='iqn.2026-12.org.storagefs:cut'/></initiator></source><storagefs:cluster autostart='yes'/></pool>");
            a.Ok("cat \"$W/pool.xml\" > \"$M/define\"");
            Assert.True(SpinWait.SpinUntil(() => IsRunning(a) && IsRunning(b), TimeSpan.FromSeconds(20)),
                "the shared pool did not run on both hosts\n--- a ---\n" + a.Daemon.Log + "\n--- b ---\n" + b.Daemon.Log);
            string v = $"pools/shared/volumes/{Volume}";

            // A's writer writes "a" and a counter at offset 0 every 20 ms.
            File.WriteAllText(Path.Combine(a.WorkDir, "writer.py"), $$"""
                import os, time
                fd = os.open(os.environ["M"] + "/{{v}}", os.O_WRONLY)
                n = 0
                while True:
                    os.pwrite(fd, b"a%09d" % n, 0)
                    if n == 0:
                        open(os.environ["W"] + "/writing", "w").close()
                    n += 1
                    time.sleep(0.02)
                """);
            int writer = int.Parse(a.Ok("python3 \"$W/writer.py\" </dev/null >/dev/null 2>&1 & echo $!").Trim(), CultureInfo.InvariantCulture);
            Assert.True(SpinWait.SpinUntil(() => File.Exists(Path.Combine(a.WorkDir, "writing")), TimeSpan.FromSeconds(10)), "the writer did not start");
            b.Fails($"dd if=/dev/zero of=\"$M/{v}\" bs=1 count=1 conv=notrunc status=none", "Device or resource busy");

            net.SetLink(HostA, up: false);
            var clock = Stopwatch.StartNew();
            try
            {
                // B writes as soon as it may: its first successful open for writing is the
                // moment the lease became B's. A's writer must be gone by then.
                bool writerGoneFirst = false;
                Assert.True(SpinWait.SpinUntil(() =>
                {
                    bool gone = !Alive(writer);
                    if (!b.Sh($"printf b000000000 | dd of=\"$M/{v}\" conv=notrunc,fsync status=none").Succeeded)
                        return false;
                    writerGoneFirst = gone;
                    return true;
                }, TimeSpan.FromSeconds(Ttl + 15)), "b never got the lease of the cut-off host\n--- a ---\n" + a.Daemon.Log + "\n--- b ---\n" + b.Daemon.Log);
                Assert.True(writerGoneFirst, $"b took the lease {clock.Elapsed.TotalMilliseconds:F0} ms after the cut while a's writer still ran\n--- a ---\n{a.Daemon.Log}");
                Assert.Contains("Fencing", a.Daemon.Log, StringComparison.Ordinal);
                // On the shared storage (the LUN's file behind tgtd): B's bytes, and they stay
                // B's while A is back on the network and rejoins.
                Assert.Equal("b000000000", Head(tgt));
                net.SetLink(HostA, up: true);
                Assert.True(SpinWait.SpinUntil(() => b.Ok("cat \"$M/cluster/info\"").Contains("(2 up)", StringComparison.Ordinal), TimeSpan.FromSeconds(Ttl + 20)),
                    "a never rejoined\n" + b.Ok("cat \"$M/cluster/info\""));
                Assert.Equal("b000000000", Head(tgt));
            }
            finally
            {
                net.SetLink(HostA, up: true);
                Shell.Run($"kill -9 {writer}");
            }
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static string Head(TgtDaemon tgt)
    {
        using var f = File.OpenRead(tgt.LunFiles[0]);
        var buffer = new byte[10];
        f.ReadExactly(buffer);
        return Encoding.ASCII.GetString(buffer);
    }

    private static bool IsRunning(TreeMount t) =>
        t.Sh("grep -q 'State: *running' \"$M/pools/shared/info\"").Succeeded;

    private static bool Alive(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }
}
