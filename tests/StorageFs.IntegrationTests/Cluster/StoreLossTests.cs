using StorageFs.IntegrationTests.Tree;

namespace StorageFs.IntegrationTests.Cluster;

/// <summary>
/// The store's own failures: three hosts, each a daemon in a network namespace of its
/// own with an etcd member beside it (a 3-member store across the namespaces), the shared
/// storage a tgtd on a storage network. One member lost: the store keeps its quorum and the
/// cluster works on (a host whose first endpoint died goes on through the others). All three
/// lost: every host keeps serving its local pools, and its running shared pools for reading
/// (writes refused: no lease can be taken or proven), and says so in <c>cluster/info</c>.
/// </summary>
[Collection("cluster")]
public sealed class StoreLossTests
{
    private const int Ttl = 3;
    private const string Volume = "unit:0:0:1";

    [ClusterFact]
    public void OneOfThreeEtcdMembersLost_TheClusterWorksOn_AllThreeLost_HostsServeLocalPoolsAndSharedOnesReadOnly_AndSaySo()
    {
        var root = Directory.CreateTempSubdirectory("storagefs-quorum-").FullName;
        try
        {
            using var net = new NetHosts(Path.Combine(root, "net"), 3, ssh: false, storageNetwork: true);
            using var etcd = new EtcdMembers(root, net);
            using var tgt = new TgtDaemon(root, NetHosts.StorageGateway, 16L << 20);
            TreeMount Host(int n, string name) => net.Mount(n, $$"""
                "defaultPools": false,
                  "cluster": { "endpoints": [{{etcd.EndpointsJson}}], "name": "quorum", "host": "{{name}}", "address": "{{NetHosts.Address(n)}}", "leaseTtl": {{Ttl}} }
                """);
            using var a = Host(1, "a");
            using var b = Host(2, "b");
            using var c = Host(3, "c");
            Assert.True(SpinWait.SpinUntil(() => Info(a).Contains("(3 up)", StringComparison.Ordinal), TimeSpan.FromSeconds(20)), Info(a));
            string local = a.NewRunningPool("local");
            a.Ok($"printf local-bytes > \"$M/pools/{local}/volumes/v\"");
            a.Ok($"echo \"{PoolXml("shared", tgt)}\" > \"$M/define\"");
            Assert.True(SpinWait.SpinUntil(() => IsRunning(a, "shared") && IsRunning(b, "shared") && IsRunning(c, "shared"), TimeSpan.FromSeconds(20)),
                "the shared pool did not run on every host\n--- a ---\n" + a.Daemon.Log);
            string v = $"pools/shared/volumes/{Volume}";

            // One member lost (the one a's configuration names first): a defines a pool and
            // takes a lease through the other two; b and c see both.
            etcd.Kill(1);
            a.Ok($"echo \"{PoolXml("later", tgt, autostart: false).Replace(tgt.Target, tgt.Target + "x", StringComparison.Ordinal)}\" > \"$M/define\"");
            Assert.True(SpinWait.SpinUntil(() => c.Sh("test -d \"$M/pools/later\"").Succeeded && b.Sh("test -d \"$M/pools/later\"").Succeeded,
                TimeSpan.FromSeconds(15)), "a pool defined with one member lost never reached b and c\n--- a ---\n" + a.Daemon.Log);
            // The membership moves to another member; when the lost one led, the election can
            // outlast this test's short renewal margin (TTL 3 s: fenced 2 s after the last
            // renewal), and a write open then waits for the new membership: retried until then.
            Assert.True(SpinWait.SpinUntil(() => a.Sh($"printf from-a | dd of=\"$M/{v}\" conv=notrunc status=none").Succeeded, TimeSpan.FromSeconds(15)),
                "a could not write a shared volume with one member of three lost\n--- a ---\n" + a.Daemon.Log);
            File.WriteAllText(Path.Combine(a.WorkDir, "hold.py"),
                $"import os, time\nfd = os.open(os.environ['M'] + '/{v}', os.O_WRONLY)\nopen(os.environ['W'] + '/holding', 'w').close()\ntime.sleep(600)\n");
            int holder = int.Parse(a.Ok("python3 \"$W/hold.py\" </dev/null >/dev/null 2>&1 & echo $!").Trim(), CultureInfo.InvariantCulture);
            try
            {
                Assert.True(SpinWait.SpinUntil(() => File.Exists(Path.Combine(a.WorkDir, "holding")), TimeSpan.FromSeconds(10)), "the holder did not start");
                Assert.True(SpinWait.SpinUntil(() => c.Sh($"dd if=/dev/zero of=\"$M/{v}\" bs=1 count=1 conv=notrunc status=none 2>&1 | grep -q busy").Succeeded,
                    TimeSpan.FromSeconds(10)), "c could write a volume a holds");
                Assert.Contains("on host 'a'", c.AssertLastError(v, "EBUSY", op: "open"), StringComparison.Ordinal);

                // All three lost: every host is cut off, says so, fences a's holder, keeps
                // serving the local pool, and the shared one for reading only.
                etcd.Kill(2);
                etcd.Kill(3);
                foreach (var (t, name) in new[] { (a, "a"), (b, "b"), (c, "c") })
                {
                    Assert.True(SpinWait.SpinUntil(() => Info(t).Contains("Role:           cut off since", StringComparison.Ordinal) ||
                            Info(t).Contains("Role:          cut off since", StringComparison.Ordinal), TimeSpan.FromSeconds(Ttl + 20)),
                        $"host {name} never said it was cut off:\n{Info(t)}");
                    Assert.Contains("local pools and running shared pools keep serving, shared volumes read-only", Info(t), StringComparison.Ordinal);
                    Assert.Contains("Store:", Info(t), StringComparison.Ordinal);
                }
                Assert.True(SpinWait.SpinUntil(() => !Alive(holder), TimeSpan.FromSeconds(Ttl + 5)), "a's writer of a shared volume survived the store's loss");
                Assert.Equal("local-bytes", a.Ok($"cat \"$M/pools/{local}/volumes/v\""));
                a.Ok($"printf more >> \"$M/pools/{local}/volumes/v\"; cat \"$M/pools/{local}/volumes/v\" | grep -q local-bytesmore");
                foreach (var t in new[] { a, b, c })
                {
                    Assert.Equal("from-a", t.Ok($"head -c 6 \"$M/{v}\""));
                    t.Fails($"dd if=/dev/zero of=\"$M/{v}\" bs=1 count=1 conv=notrunc status=none", "Device or resource busy");
                }
            }
            finally
            {
                Shell.Run($"kill -9 {holder}");
            }
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static string PoolXml(string name, TgtDaemon tgt, bool autostart = true) =>
        $"<pool type='iscsi-direct' xmlns:storagefs='urn:storagefs:cluster:1.0'><name>{name}</name>" +
        $"<source><host name='{tgt.Address}' port='{tgt.Port}'/><device path='{tgt.Target}'/>" +
        $"<initiator><iqn name='iqn.2026-12.org.storagefs:quorum'/></initiator></source><storagefs:cluster autostart='{(autostart ? "yes" : "no")}'/></pool>";

    private static string Info(TreeMount t) => t.Ok("cat \"$M/cluster/info\"");

    private static bool IsRunning(TreeMount t, string pool) =>
        t.Sh($"grep -q 'State: *running' \"$M/pools/{pool}/info\"").Succeeded;

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
