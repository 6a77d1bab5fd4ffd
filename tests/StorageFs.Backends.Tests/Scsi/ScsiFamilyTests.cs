using StorageFs.Backends.Tests.Fixtures;
using StorageFs.Core;
using StorageFs.Core.Model;
using StorageFs.Core.Secrets;
using StorageFs.Core.Xml;
using StorageFs.Backends.Devices;
using StorageFs.Backends.HostTools;
using StorageFs.Backends.Iscsi;
using StorageFs.Backends.Mpath;
using StorageFs.Backends.Scsi;

namespace StorageFs.Backends.Tests.Scsi;

/// <summary>
/// scsi, iscsi and mpath pools on a sysfs fixture tree laid out as real hosts lay it out (see
/// Fixtures/sysfs/README.md), with iscsiadm answered by a recorder: this machine has no SCSI,
/// no iscsi_tcp and no device-mapper, so nothing here can run against a real device.
/// </summary>
public sealed class ScsiFamilyTests : IDisposable
{
    private readonly SysfsFixture _sys = new();

    public void Dispose() => _sys.Dispose();

    private static PoolDefinition Parse(string xml) => PoolXml.Parse(xml);

    [Fact]
    public void Scan_Host2_ListsDisksNewAndOldStyle_SkipsTheArrayController()
    {
        var luns = ScsiLunScanner.Scan(_sys.Host, 2);

        Assert.Equal(["unit:0:0:1", "unit:0:0:2"], luns.Select(l => l.VolumeName));
        Assert.Equal([("sdb", 64UL << 20), ("sdc", 32UL << 20)], luns.Select(l => (l.BlockDevice, l.Capacity)));
        Assert.Equal("naa.60000000000000000e00000000010001", luns[0].Wwid);
    }

    [Fact]
    public void Scan_Host0_KeepsTheCdRom_TypeFive()
    {
        Assert.Equal([(0, "sda"), (5, "sr0")], ScsiLunScanner.Scan(_sys.Host, 0).Select(l => (l.DeviceType, l.BlockDevice)));
    }

    [Fact]
    public void ScsiPool_ByHostName_RescansAndListsTheLus_WithStablePathsInTheTarget()
    {
        var backend = new ScsiPoolBackend(root: _sys.Host);
        var pool = Parse("<pool type='scsi'><name>s</name><source><adapter type='scsi_host' name='host2'/></source>" +
                         "<target><path>/dev/disk/by-path</path></target></pool>");

        Assert.True(backend.CheckActive(pool));
        var result = backend.Refresh(pool, CancellationToken.None);

        Assert.Equal("- - -", _sys.Read("sys/devices/platform/host2/scsi_host/host2/scan"));
        Assert.Equal(["/dev/disk/by-path/ip-192.168.122.10:3260-iscsi-iqn.2013-06.com.example:demo-lun-1",
                      "/dev/disk/by-path/ip-192.168.122.10:3260-iscsi-iqn.2013-06.com.example:demo-lun-2"],
            result.Volumes.Select(v => v.Target.Path));
        Assert.All(result.Volumes, v => Assert.Equal(VolumeType.Block, v.Type));
        Assert.Equal((96UL << 20, 96UL << 20, 0UL), (result.Sizes.Capacity, result.Sizes.Allocation, result.Sizes.Available));
    }

    [Fact]
    public void ScsiPool_LuWithoutAStablePath_IsSkippedWithLibvirtsReason()
    {
        var pool = Parse("<pool type='scsi'><name>s</name><source><adapter type='scsi_host' name='scsi_host5'/></source>" +
                         "<target><path>/dev/disk/by-id</path></target></pool>");
        Directory.CreateDirectory(Path.Combine(_sys.Root, "dev/disk/by-id"));

        var result = new ScsiPoolBackend(root: _sys.Host).Refresh(pool, CancellationToken.None);

        Assert.Empty(result.Volumes);
        Assert.Equal(["No stable path found for '/dev/sdd' in '/dev/disk/by-id'"], result.Problems);
    }

    [Fact]
    public void ScsiPool_ByParentPciAddressAndUniqueId_FindsTheAhciHost()
    {
        var pool = Parse("<pool type='scsi'><name>s</name><source><adapter type='scsi_host'><parentaddr unique_id='1'>" +
                         "<address domain='0x0000' bus='0x00' slot='0x1f' function='0x2'/></parentaddr></adapter></source>" +
                         "<target><path>/dev</path></target></pool>");

        var result = new ScsiPoolBackend(root: _sys.Host).Refresh(pool, CancellationToken.None);

        Assert.Equal(["/dev/sda", "/dev/sr0"], result.Volumes.Select(v => v.Target.Path));
    }

    [Fact]
    public void ScsiPool_MissingHost_FailsAsLibvirtDoes()
    {
        var pool = Parse("<pool type='scsi'><name>s</name><source><adapter type='scsi_host' name='host9'/></source>" +
                         "<target><path>/dev</path></target></pool>");
        var backend = new ScsiPoolBackend(root: _sys.Host);

        Assert.False(backend.CheckActive(pool));
        var e = Assert.Throws<StorageException>(() => backend.Refresh(pool, CancellationToken.None));
        Assert.StartsWith($"Could not open '{_sys.Root}/sys/class/scsi_host/host9/scan' to trigger host scan", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FcHost_ExistingHba_IsFoundByWwn_AndStartCreatesNoVport()
    {
        var pool = Parse("<pool type='scsi'><name>f</name><source><adapter type='fc_host' wwnn='20000000c9831b4b' wwpn='10000000c9831b4b'/></source>" +
                         "<target><path>/dev</path></target></pool>");
        var backend = new ScsiPoolBackend(root: _sys.Host);

        backend.Start(pool, CancellationToken.None);

        Assert.True(backend.CheckActive(pool));
        Assert.Equal("", _sys.Read("sys/class/fc_host/host5/vport_create").Trim());
        Assert.Equal(["/dev/sdd"], backend.Refresh(pool, CancellationToken.None).Volumes.Select(v => v.Target.Path));
    }

    [Fact]
    public void FcHost_NewVhba_IsCreatedThroughTheParentsVportCreate()
    {
        var pool = Parse("<pool type='scsi'><name>f</name><source><adapter type='fc_host' parent='scsi_host5' managed='yes' " +
                         "wwnn='5001a4aa2e4ea8b8' wwpn='5001a4a5b3a3e6c7'/></source><target><path>/dev</path></target></pool>");
        var backend = new ScsiPoolBackend(root: _sys.Host, vportWait: TimeSpan.FromMilliseconds(300));

        // The fixture's kernel never makes the new host appear: start writes the request, then times out.
        var e = Assert.Throws<StorageException>(() => backend.Start(pool, CancellationToken.None));

        Assert.Equal("5001a4a5b3a3e6c7:5001a4aa2e4ea8b8", _sys.Read("sys/class/fc_host/host5/vport_create"));
        Assert.Contains("did not appear on parent host5", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Iscsi_Start_RunsLibvirtsIscsiadmSequence_WithChapAndAnIface()
    {
        var secrets = Secrets(("2ec115d7-3a88-3ceb-bc12-0ac909a6fd87", "s3cr3t"));
        var ifaces = 0;
        var runner = new RecordingRunner()
            .On(a => a.SequenceEqual(IscsiAdmCommands.Sessions()), exit: 21, stderr: "iscsiadm: No active sessions.")
            .On(a => a.SequenceEqual(IscsiAdmCommands.Ifaces()) && ifaces++ == 0, stdout: "default tcp,<empty>,<empty>,<empty>,<empty>\n")
            .On(a => a.SequenceEqual(IscsiAdmCommands.Ifaces()), stdout: "default tcp,<empty>,<empty>,<empty>,<empty>\nlibvirt-iface-0000beef tcp,<empty>,<empty>,<empty>,iqn.2013-06.com.example:client\n");
        var backend = new IscsiPoolBackend(runner: runner, secrets: secrets, root: _sys.Host);
        var pool = Parse("<pool type='iscsi'><name>i</name><source><host name='192.168.122.10'/>" +
                         "<device path='iqn.2013-06.com.example:demo'/><initiator><iqn name='iqn.2013-06.com.example:client'/></initiator>" +
                         "<auth type='chap' username='admin'><secret uuid='2ec115d7-3a88-3ceb-bc12-0ac909a6fd87'/></auth></source>" +
                         "<target><path>/dev/disk/by-path</path></target></pool>");

        backend.Start(pool, CancellationToken.None);

        const string P = "192.168.122.10:3260,1";
        const string T = "iqn.2013-06.com.example:demo";
        var calls = runner.Calls.Where(c => !c.SequenceEqual(IscsiAdmCommands.Ifaces()) && !c.SequenceEqual(IscsiAdmCommands.Sessions())).ToList();
        Assert.Equal(["iscsiadm", "--mode", "node", "--portal", P, "--targetname", T, "--op", "new"], calls[0]);
        Assert.Equal(["iscsiadm", "--mode", "node", "--portal", P, "--target", T, "--op", "update", "--name", "node.session.auth.authmethod", "--value", "CHAP"], calls[1]);
        Assert.Equal(["iscsiadm", "--mode", "node", "--portal", P, "--target", T, "--op", "update", "--name", "node.session.auth.username", "--value", "admin"], calls[2]);
        Assert.Equal(["iscsiadm", "--mode", "node", "--portal", P, "--target", T, "--op", "update", "--name", "node.session.auth.password", "--value", "s3cr3t"], calls[3]);
        Assert.Matches("^libvirt-iface-[0-9a-f]{8}$", calls[4][4]);
        Assert.Equal(["iscsiadm", "--mode", "iface", "--interface", calls[4][4], "--op", "new"], calls[4]);
        Assert.Equal(["iscsiadm", "--mode", "iface", "--interface", calls[4][4], "--op", "update", "--name", "iface.initiatorname", "--value", "iqn.2013-06.com.example:client"], calls[5]);
        Assert.Equal(["iscsiadm", "--mode", "discovery", "--type", "sendtargets", "--portal", P, "--op", "nonpersistent"], calls[6]);
        Assert.Equal(["iscsiadm", "--mode", "node", "--portal", P, "--targetname", T, "--login", "--interface", "libvirt-iface-0000beef"], calls[7]);
        Assert.Equal(8, calls.Count);
    }

    [Fact]
    public void Iscsi_Start_ACHAPSettingIscsiadmRefuses_FailsTheStart_BeforeAnyLogin_WithThePasswordHidden()
    {
        var runner = new RecordingRunner()
            .On(a => a.SequenceEqual(IscsiAdmCommands.Sessions()), exit: 21, stderr: "iscsiadm: No active sessions.")
            .On(a => a.Contains("node.session.auth.password"), exit: 7, stderr: "iscsiadm: no records found");
        var backend = new IscsiPoolBackend(runner: runner, secrets: Secrets(("2ec115d7-3a88-3ceb-bc12-0ac909a6fd87", "s3cr3t")), root: _sys.Host);
        var pool = Parse("<pool type='iscsi'><name>i</name><source><host name='192.168.122.10'/><device path='iqn.2013-06.com.example:demo'/>" +
                         "<auth type='chap' username='admin'><secret usage='2ec115d7-3a88-3ceb-bc12-0ac909a6fd87'/></auth></source>" +
                         "<target><path>/dev/disk/by-path</path></target></pool>");

        var e = Assert.Throws<StorageException>(() => backend.Start(pool, CancellationToken.None));

        Assert.True(e.Message.Contains("--name node.session.auth.password --value ***)", StringComparison.Ordinal), e.Message);
        Assert.Contains("iscsiadm: no records found", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr3t", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(runner.Calls, c => c.Contains("--login"));
    }

    [Fact]
    public void Iscsi_Start_AnUndefinedSecret_FailsWithNoSecret_BeforeAnyLogin()
    {
        var runner = new RecordingRunner()
            .On(a => a.SequenceEqual(IscsiAdmCommands.Sessions()), exit: 21, stderr: "iscsiadm: No active sessions.");
        var backend = new IscsiPoolBackend(runner: runner, secrets: Secrets(), root: _sys.Host);
        var pool = Parse("<pool type='iscsi'><name>i</name><source><host name='192.168.122.10'/><device path='iqn.2013-06.com.example:demo'/>" +
                         "<auth type='chap' username='admin'><secret usage='libvirtiscsi'/></auth></source>" +
                         "<target><path>/dev/disk/by-path</path></target></pool>");

        var e = Assert.Throws<StorageException>(() => backend.Start(pool, CancellationToken.None));

        Assert.Equal((ErrorCode.NoSecret, "Secret not found: no secret with matching usage 'libvirtiscsi'"), (e.Code, e.Message));
        Assert.DoesNotContain(runner.Calls, c => c.Contains("--login") || c.Contains("new"));
    }

    [Fact]
    public void Iscsi_Refresh_RescansTheSession_AndListsItsHostsLus()
    {
        var runner = new RecordingRunner()
            .On(a => a.SequenceEqual(IscsiAdmCommands.Sessions()),
                stdout: "tcp: [1] 192.168.122.10:3260,1 iqn.2013-06.com.example:demo (non-flash)\ntcp: [3] 10.0.0.9:3260,1 iqn.other (non-flash)\n");
        var backend = new IscsiPoolBackend(runner: runner, secrets: Secrets(), root: _sys.Host);
        var pool = Parse("<pool type='iscsi'><name>i</name><source><host name='192.168.122.10'/><device path='iqn.2013-06.com.example:demo'/></source>" +
                         "<target><path>/dev/disk/by-path</path></target></pool>");

        Assert.True(backend.CheckActive(pool));
        var result = backend.Refresh(pool, CancellationToken.None);
        backend.Stop(pool);

        Assert.Contains(runner.Calls, c => c.SequenceEqual(["iscsiadm", "--mode", "session", "-r", "1", "-R"]));
        Assert.Equal(["unit:0:0:1", "unit:0:0:2"], result.Volumes.Select(v => v.Name));
        Assert.Equal(["iscsiadm", "--mode", "node", "--portal", "192.168.122.10:3260,1", "--targetname", "iqn.2013-06.com.example:demo", "--logout"],
            runner.Calls[^1]);
    }

    [Fact]
    public void Iscsi_Portal_BracketsIpv6()
    {
        var pool = Parse("<pool type='iscsi'><name>i</name><source><host name='fe80::1' port='3261'/><device path='iqn.x'/></source>" +
                         "<target><path>/dev</path></target></pool>");

        Assert.Equal("[fe80::1]:3261,1", IscsiAdmCommands.Portal(pool));
    }

    [Fact]
    public void Mpath_ListsOnlyMultipathMaps_NamedByMinor()
    {
        var backend = new MpathPoolBackend(_sys.Host);
        var pool = Parse("<pool type='mpath'><name>m</name><target><path>/dev/mapper</path></target></pool>");

        Assert.True(backend.CheckActive(pool));
        var vol = Assert.Single(backend.Refresh(pool, CancellationToken.None).Volumes);

        Assert.Equal(("dm-0", "/dev/mapper/mpatha", "/dev/mapper/mpatha", 64UL << 20), (vol.Name, vol.Target.Path, vol.Key, vol.Capacity));
    }

    [KernelFact("iscsi")]
    public void Iscsi_RealLogin_AgainstTgtd_ListsTheLun_AndLogsOut()
    {
        using var h = new DeviceHarness(new IscsiPoolBackend(secrets: Secrets()));
        var tgt = new TgtDaemon(h.Root, 16L << 20);
        h.OnDispose(tgt);
        using var iscsid = System.Diagnostics.Process.Start("iscsid", "-f")!;
        try
        {
            h.Driver.DefinePool($"<pool type='iscsi'><name>i</name><source><host name='127.0.0.1' port='{tgt.Port}'/><device path='{tgt.Target}'/></source>" +
                                "<target><path>/dev</path></target></pool>");
            h.Driver.StartPool("i");
            Assert.Equal(16UL << 20, Assert.Single(h.Driver.ListVolumes("i")).Capacity);
            h.Driver.StopPool("i");
        }
        finally
        {
            iscsid.Kill();
            iscsid.WaitForExit();
        }
    }

    [KernelFact("scsi")]
    public void Scsi_RealHosts_EveryLuHasItsDeviceNode()
    {
        foreach (var host in Directory.GetFileSystemEntries("/sys/class/scsi_host").Select(p => ScsiHosts.Number(Path.GetFileName(p))))
        {
            Assert.All(ScsiLunScanner.Scan(SysfsRoot.Real, host), l => Assert.True(BlockDevice.Exists("/dev/" + l.BlockDevice)));
        }
    }

    [KernelFact("dm")]
    public void Mpath_RealMaps_HaveTheirMapperNodes()
    {
        Assert.All(MultipathMaps.Volumes(SysfsRoot.Real), v => Assert.True(BlockDevice.Exists(v.Target.Path!)));
    }

    // A real secret store (in memory) holding an iscsi secret per (uuid, value).
    private static SecretDriver Secrets(params (string Uuid, string Value)[] entries)
    {
        var store = new SecretDriver();
        foreach (var (uuid, value) in entries)
        {
            store.Define($"<secret><uuid>{uuid}</uuid><usage type='iscsi'><target>{uuid}</target></usage></secret>");
            store.SetValue(Guid.Parse(uuid), System.Text.Encoding.UTF8.GetBytes(value));
        }
        return store;
    }
}
