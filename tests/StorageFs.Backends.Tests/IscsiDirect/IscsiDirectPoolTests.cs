using StorageFs.Backends.Tests.Fixtures;
using StorageFs.Core;
using StorageFs.Core.Driver;
using StorageFs.Core.Model;
using StorageFs.Backends.HostTools;
using StorageFs.Core.Secrets;
using StorageFs.Backends.IscsiDirect;

namespace StorageFs.Backends.Tests.IscsiDirect;

/// <summary>
/// iscsi-direct pools against a real tgtd on 127.0.0.1 with file-backed LUNs, reached with
/// libiscsi's tools (no kernel initiator needed), with and without CHAP; the LUNs' bytes
/// through the driver's stream (libiscsi in process).
/// </summary>
[Collection(DeviceCollection.Name)]
public sealed class IscsiDirectPoolTests : IDisposable
{
    private const string Initiator = "iqn.2026-11.org.storagefs:client";
    private static readonly Guid SecretUuid = Guid.Parse("6a4c3e5e-8f1b-4d6e-9a51-0c2d7e3f9b10");
    private readonly DeviceHarness _h;
    private readonly SecretDriver _secrets = new();

    public IscsiDirectPoolTests()
    {
        _h = new DeviceHarness(new IscsiDirectPoolBackend(secrets: _secrets));
    }

    public void Dispose() => _h.Dispose();

    private static string Pool(TgtDaemon tgt, string? target = null, string? auth = null) =>
        $"<pool type='iscsi-direct'><name>i</name><source><host name='127.0.0.1' port='{tgt.Port}'/><device path='{target ?? tgt.Target}'/>" +
        $"<initiator><iqn name='{Initiator}'/></initiator>{auth}</source></pool>";

    private void StoreSecret(string value)
    {
        _secrets.Define($"<secret private='yes'><uuid>{SecretUuid}</uuid><usage type='iscsi'><target>chap-test</target></usage></secret>");
        _secrets.SetValue(SecretUuid, System.Text.Encoding.UTF8.GetBytes(value));
    }

    [DeviceFact("tgtd", "tgtadm", "unshare", "nsenter", "iscsi-ls", "iscsi-readcapacity16", "qemu-io")]
    public void Refresh_ListsEveryLun_WithExactCapacities_AndZeroWipeClearsTheBackingFile()
    {
        var tgt = new TgtDaemon(_h.Root, 64L << 20, 32L << 20);
        _h.OnDispose(tgt);
        _h.Driver.DefinePool(Pool(tgt));
        _h.Driver.StartPool("i");

        var vols = _h.Driver.ListVolumes("i");
        Assert.Equal(["unit:0:0:0", "unit:0:0:1", "unit:0:0:2"], vols.Select(v => v.Name));
        Assert.Equal([0UL, 64UL << 20, 32UL << 20], vols.Select(v => v.Capacity));
        Assert.Equal($"ip-{tgt.Portal}-iscsi-{tgt.Target}-lun-1", vols[1].Path);
        Assert.Equal(VolumeType.Network, vols[1].Type);
        var info = _h.Driver.GetPoolInfo("i");
        Assert.Equal((96UL << 20, 96UL << 20, 0UL), (info.Capacity, info.Allocation, info.Available));

        using (var f = new FileStream(tgt.LunFiles[1], FileMode.Open, FileAccess.Write))
        {
            f.Write(Enumerable.Repeat((byte)0x77, 1 << 20).ToArray());
        }
        _h.Driver.WipeVolume("i", "unit:0:0:2");
        var head = new byte[1 << 20];
        using (var f = File.OpenRead(tgt.LunFiles[1]))
        {
            f.ReadExactly(head);
        }
        Assert.All(head, b => Assert.Equal(0, b));

        var e = Assert.Throws<StorageException>(() => _h.Driver.WipeVolume("i", "unit:0:0:1", Core.Backend.WipeAlgorithm.Random));
        Assert.Equal("argument unsupported: 'random' algorithm not supported", e.Message);
        Assert.Equal(ErrorCode.NoSupport, Assert.Throws<StorageException>(() =>
            _h.Driver.CreateVolume("i", "<volume><name>x</name><capacity>1</capacity></volume>")).Code);
    }

    [DeviceFact("tgtd", "tgtadm", "unshare", "nsenter", "iscsi-ls", "iscsi-readcapacity16", "qemu-io")]
    public void Chap_TheRightSecretLogsIn_AWrongOneIsRefusedWithTheTargetsAnswer()
    {
        var tgt = new TgtDaemon(_h.Root, 16L << 20);
        _h.OnDispose(tgt);
        tgt.RequireChap("sfsuser", "sfssecret1234");
        var auth = $"<auth type='chap' username='sfsuser'><secret uuid='{SecretUuid}'/></auth>";

        _h.Driver.DefinePool(Pool(tgt, auth: auth));
        var missing = Assert.Throws<StorageException>(() => _h.Driver.StartPool("i"));
        Assert.Equal($"Secret not found: no secret with matching uuid '{SecretUuid}'", missing.Message);
        Assert.Equal(ErrorCode.NoSecret, missing.Code);

        StoreSecret("wrong-secret-1");
        var denied = Assert.Throws<StorageException>(() => _h.Driver.StartPool("i"));
        Assert.Contains("Authentication failure", denied.Message, StringComparison.Ordinal);
        Assert.True(denied.OsErrno == 129, $"EKEYREJECTED expected: {denied.Code} {denied.OsErrno} {denied.Message}");
        Assert.Contains("refused the CHAP login of user 'sfsuser'", denied.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-secret-1", denied.Message, StringComparison.Ordinal);
        Assert.Equal(PoolState.Inactive, _h.Driver.GetPoolInfo("i").State);

        StoreSecret("sfssecret1234");
        _h.Driver.StartPool("i");
        Assert.Equal(16UL << 20, _h.Driver.GetVolumeInfo("i", "unit:0:0:1").Capacity);
        _h.Driver.WipeVolume("i", "unit:0:0:1");
        Assert.Empty(Directory.GetDirectories(Path.GetTempPath(), "storagefs-chap-*"));
    }

    [DeviceFact("tgtd", "tgtadm", "unshare", "nsenter", "iscsi-ls")]
    public void UnknownTarget_FailsNamingIt()
    {
        var tgt = new TgtDaemon(_h.Root, 16L << 20);
        _h.OnDispose(tgt);
        _h.Driver.DefinePool(Pool(tgt, tgt.Target + "-nope"));

        var e = Assert.Throws<StorageException>(() => _h.Driver.StartPool("i"));

        Assert.Equal($"operation failed: iSCSI target '{tgt.Target}-nope' not found at portal '{tgt.Portal}'", e.Message);
    }

    [DeviceFact("tgtd", "tgtadm", "unshare", "nsenter", "iscsi-ls", "iscsi-readcapacity16")]
    public void OpenVolume_ServesTheLunsBytes_UnalignedWritesMerge_AndTheEndIsENOSPC()
    {
        var tgt = new TgtDaemon(_h.Root, 8L << 20);
        _h.OnDispose(tgt);
        _h.Driver.DefinePool(Pool(tgt));
        _h.Driver.StartPool("i");
        var backing = new byte[8 << 20];
        Random.Shared.NextBytes(backing);
        File.WriteAllBytes(tgt.LunFiles[0], backing);

        using (var lun = _h.Driver.OpenVolume("i", "unit:0:0:1", Core.Backend.VolumeAccessMode.Write))
        {
            Assert.Equal(8L << 20, lun.Data.Length);
            Assert.False(lun.Data.HasDescriptor);
            var s = lun.Data.AsStream();
            var all = new byte[8 << 20];
            s.ReadExactly(all);
            Assert.Equal(backing, all);
            Assert.Equal(0, s.Read(new byte[10]));

            // Within one block, across blocks and across a whole transfer: read-merge-write.
            foreach (var (at, n) in new[] { (3L, 100), (1000L, 5000), (700_001L, 1_200_000), ((8L << 20) - 7, 7) })
            {
                var pattern = new byte[n];
                Random.Shared.NextBytes(pattern);
                s.Position = at;
                s.Write(pattern);
                pattern.CopyTo(backing, at);
            }
            s.Flush();
            s.Position = (8L << 20) - 1;
            var full = Assert.Throws<IOException>(() => s.Write(new byte[2]));
            Assert.Equal(28, full.HResult);
            Assert.Contains("No space left on device", full.Message, StringComparison.Ordinal);
        }
        Assert.Equal(backing, File.ReadAllBytes(tgt.LunFiles[0]));
        using (var again = _h.Driver.OpenVolume("i", "unit:0:0:1", Core.Backend.VolumeAccessMode.Read))
        {
            var all = new byte[8 << 20];
            again.Data.AsStream().ReadExactly(all);
            Assert.Equal(backing, all);
            Assert.Throws<NotSupportedException>(() => again.Data.AsStream().Write(new byte[1]));
        }
        Assert.Equal(ErrorCode.InvalidArg, Assert.Throws<StorageException>(() =>
            _h.Driver.OpenVolume("i", "unit:0:0:0", Core.Backend.VolumeAccessMode.Read)).Code);
    }

    [DeviceFact("tgtd", "tgtadm", "unshare", "nsenter", "iscsi-ls", "iscsi-readcapacity16", "ss")]
    public void ManyOpensOfOneLun_ShareAtMostFourSessions_AndTheLastCloseLogsOut()
    {
        var tgt = new TgtDaemon(_h.Root, 4L << 20);
        _h.OnDispose(tgt);
        _h.Driver.DefinePool(Pool(tgt));
        _h.Driver.StartPool("i");

        var opens = Enumerable.Range(0, 24).Select(_ => _h.Driver.OpenVolume("i", "unit:0:0:1", Core.Backend.VolumeAccessMode.Read)).ToList();
        try
        {
            Parallel.ForEach(opens, new ParallelOptions { MaxDegreeOfParallelism = 12 }, o =>
            {
                var buffer = new byte[1 << 20];
                for (int i = 0; i < 8; i++)
                {
                    var s = o.Data.AsStream();
                    s.Position = Random.Shared.Next(0, 3) << 20;
                    s.ReadExactly(buffer);
                }
            });
            Assert.InRange(Connections(tgt), 1, 4);
        }
        finally
        {
            opens.ForEach(o => o.Dispose());
        }
        Assert.Equal(0, Connections(tgt));
    }

    [DeviceFact("tgtd", "tgtadm", "unshare", "nsenter", "iscsi-ls", "iscsi-readcapacity16")]
    public void ADeadOrSilentTarget_FailsTheCommand_WithEIOOrETIMEDOUT_WithinTheTimeout()
    {
        var h = new DeviceHarness(new IscsiDirectPoolBackend(ioTimeout: TimeSpan.FromSeconds(2)));
        _h.OnDispose(h);
        var frozen = new TgtDaemon(h.Root, 1L << 20);
        h.OnDispose(frozen);
        h.Driver.DefinePool(Pool(frozen));
        h.Driver.StartPool("i");
        using (var lun = h.Driver.OpenVolume("i", "unit:0:0:1", Core.Backend.VolumeAccessMode.Read))
        {
            var s = lun.Data.AsStream();
            s.ReadExactly(new byte[4096]);
            frozen.Freeze(stop: true);
            // Six requests queued on one open, as the kernel's readahead queues them on a file
            // handle: the first waits one timeout, the others fail at once after it (the LUN is
            // down), instead of each waiting a timeout (a login) of its own: 12 s here.
            var gate = new Lock();
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var errors = Enumerable.Range(0, 6).AsParallel().WithDegreeOfParallelism(6).Select(i =>
            {
                lock (gate)
                {
                    s.Position = i * 8192;
                    return Assert.Throws<IOException>(() => s.ReadExactly(new byte[4096]));
                }
            }).ToList();
            // Generous: libiscsi expires PDUs on its 1 s poll ticks.
            Assert.InRange(clock.Elapsed.TotalSeconds, 0, 8);
            Assert.All(errors, e => Assert.Equal(110, e.HResult));
            Assert.All(errors, e => Assert.Contains(frozen.Target, e.Message, StringComparison.Ordinal));
            frozen.Freeze(stop: false);
            // Once the target answers again (and the down time has passed), reads work.
            Thread.Sleep(2500);
            s.Position = 0;
            s.ReadExactly(new byte[4096]);
        }

        var killed = new TgtDaemon(_h.Root, 1L << 20);
        _h.OnDispose(killed);
        _h.Driver.DefinePool(Pool(killed).Replace("<name>i</name>", "<name>k</name>", StringComparison.Ordinal));
        _h.Driver.StartPool("k");
        using (var lun = _h.Driver.OpenVolume("k", "unit:0:0:1", Core.Backend.VolumeAccessMode.Write))
        {
            var s = lun.Data.AsStream();
            s.Write(new byte[4096]);
            killed.Kill();
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var e = Assert.Throws<IOException>(() => s.Write(new byte[4096]));
            Assert.InRange(clock.Elapsed.TotalSeconds, 0, 15);
            Assert.Equal(5, e.HResult);
            // The next command logs in afresh and is refused at once.
            e = Assert.Throws<IOException>(() => s.Write(new byte[4096]));
            Assert.Equal(5, e.HResult);
            Assert.Contains("cannot log in", e.Message, StringComparison.Ordinal);
        }
    }

    [DeviceFact("tgtd", "tgtadm", "unshare", "nsenter", "iscsi-ls", "iscsi-readcapacity16")]
    public void ASessionTheTargetClosedWhileIdle_IsReplaced_AndTheCommandSucceeds()
    {
        var tgt = new TgtDaemon(_h.Root, 1L << 20);
        _h.OnDispose(tgt);
        File.WriteAllBytes(tgt.LunFiles[0], Enumerable.Range(0, 1 << 20).Select(i => (byte)i).ToArray());
        _h.Driver.DefinePool(Pool(tgt));
        _h.Driver.StartPool("i");
        using var lun = _h.Driver.OpenVolume("i", "unit:0:0:1", Core.Backend.VolumeAccessMode.Write);
        var s = lun.Data.AsStream();
        var block = new byte[4096];
        s.ReadExactly(block);

        Assert.Equal(1, tgt.DropConnections());

        s.Position = 4096;
        s.ReadExactly(block);
        Assert.Equal(Enumerable.Range(4096, 4096).Select(i => (byte)i), block);
        Assert.Equal(1, tgt.DropConnections());
        s.Position = 0;
        s.Write(block);
        Assert.Equal(1, tgt.DropConnections());
        s.Flush();
        Assert.Equal(block, File.ReadAllBytes(tgt.LunFiles[0])[..4096]);
    }

    // Established TCP connections to the target's portal.
    private static int Connections(TgtDaemon tgt) =>
        Sh.Run("ss", "-tnH", "state", "established", "dst", tgt.Portal).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;

    [Fact]
    public void Commands_NeverCarryThePassword()
    {
        var list = LibIscsiCommands.List(Initiator, "[fe80::1]:3260", "user");
        Assert.Equal(["iscsi-ls", "-s", "-i", Initiator, "iscsi://user@[fe80::1]:3260"], list);
        var zero = LibIscsiCommands.WriteZeroes(Initiator, "h:3260", "u", "/run/x/secret", "iqn.t", 3, 1024);
        Assert.Equal(["qemu-io", "--object", "secret,id=sfs-chap,file=/run/x/secret", "--image-opts",
            $"driver=raw,file.driver=iscsi,file.transport=tcp,file.portal=h:3260,file.target=iqn.t,file.lun=3,file.initiator-name={Initiator},file.user=u,file.password-secret=sfs-chap",
            "-c", "write -z 0 1024"], zero);
    }

    [Fact]
    public void IscsiLs_ExitingZeroAfterAFailedLogin_IsAnError()
    {
        const string output = "Target:iqn.t Portal:127.0.0.1:3260,1\nlist_luns: iscsi_connect failed. Failed to log in to target. Status: Authentication failure(513)\n";

        var e = Assert.Throws<StorageException>(() => IscsiLsOutput.LunsOf(output, "iqn.t", "127.0.0.1:3260"));

        Assert.Contains("Authentication failure(513)", e.Message, StringComparison.Ordinal);
    }
}
