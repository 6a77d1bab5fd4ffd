using StorageFs.Backends.Tests.Fixtures;
using StorageFs.Core;
using StorageFs.Core.Backend;
using StorageFs.Core.Driver;
using StorageFs.Core.Model;
using StorageFs.Backends.HostTools;
using StorageFs.Backends.Fs;
using StorageFs.Backends.Iscsi;
using StorageFs.Backends.NetFs;

namespace StorageFs.Backends.Tests.Tools;

/// <summary>The availability report tells the truth about this machine, decides right on
/// invented hosts, and the driver refuses to build or start what the host cannot run.</summary>
public sealed class HostSupportTests
{
    private const string ThisKernelFileSystems = "nodev\tsysfs\nnodev\tproc\n\text4\n\txfs\n\tbtrfs\nnodev\tfuse\nnodev\tfusectl\n";

    private static readonly HostFacts EveryToolNoKernelExtras = new(_ => true, _ => false, ThisKernelFileSystems, _ => true);

    private static readonly bool s_deviceMapper = Directory.Exists("/sys/class/misc/device-mapper");

    // Every registered type's availability here, as its backend answers it.
    private static IReadOnlyList<BackendAvailability> Probe()
    {
        var table = BackendRegistry.Create();
        return [.. table.PoolCapabilities.Select(c => table.Get(c.Type).Availability())];
    }

    // Every registered type's availability on an invented host: the generic check of its
    // capability record, and netfs's own protocol check on top.
    private static IReadOnlyList<BackendAvailability> Probe(HostFacts facts) =>
        [.. BackendRegistry.Create().PoolCapabilities.Select(c => c.Type == PoolType.NetFs ? NetFsSupport.ForType(facts) : HostSupport.Check(c, facts))];

    [Fact]
    public void Probe_CoversEveryBackendType_AndDirAlwaysRuns()
    {
        var report = Probe();

        Assert.Equal(BackendRegistry.Create().PoolCapabilities.Select(c => c.Type), report.Select(r => r.Type));
        Assert.Equal(BackendAvailability.Full(PoolType.Dir), report.Single(r => r.Type == PoolType.Dir));
    }

    [Fact]
    public void Probe_MatchesTheKernel_ForIscsiScsiAndDeviceMapper()
    {
        var report = Probe().ToDictionary(r => r.Type);

        Assert.Equal(Directory.Exists("/sys/class/scsi_host"), report[PoolType.Scsi].Runnable);
        Assert.Equal(s_deviceMapper, report[PoolType.Mpath].Runnable);
        bool iscsiTcp = Directory.Exists("/sys/class/iscsi_transport/tcp");
        Assert.Equal(iscsiTcp && HostSupport.OnPath("iscsiadm"), report[PoolType.Iscsi].Runnable);
        if (!iscsiTcp)
        {
            Assert.Contains("iscsi_tcp", report[PoolType.Iscsi].Reason, StringComparison.Ordinal);
        }
        if (!s_deviceMapper)
        {
            Assert.Contains("driverloaded n", report[PoolType.Logical].Reason, StringComparison.Ordinal);
            Assert.Contains("device-mapper", report[PoolType.Mpath].Reason, StringComparison.Ordinal);
            Assert.False(StorageFs.Backends.Logical.LvmCommands.ForHost().DeviceMapper);
        }
        if (!Directory.Exists("/sys/class/scsi_host"))
        {
            Assert.Contains("/sys/class/scsi_host", report[PoolType.Scsi].Reason, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Probe_ThisHostsToolBackedTypes_RunExactlyWhenTheirToolsAreInstalled()
    {
        var report = Probe().ToDictionary(r => r.Type);

        // What .ci/run installs: util-linux, parted, lvm2, glusterfs-client, libiscsi-bin, qemu-utils.
        Assert.Equal(new[] { "mount", "umount", "mkfs", "blkid" }.All(HostSupport.OnPath), report[PoolType.Fs].Runnable);
        Assert.Equal(new[] { "parted", "blkid", "partx" }.All(HostSupport.OnPath), report[PoolType.Disk].Runnable);
        Assert.Equal(new[] { "pvcreate", "vgcreate", "lvcreate", "lvs", "vgs" }.All(HostSupport.OnPath), report[PoolType.Logical].Runnable);
        Assert.Equal(HostSupport.OnPath("mount.glusterfs"), report[PoolType.Gluster].Runnable);
        Assert.Equal(new[] { "iscsi-ls", "iscsi-readcapacity16", "qemu-io" }.All(HostSupport.OnPath), report[PoolType.IscsiDirect].Runnable);
        Assert.All(report.Values.Where(r => !r.Runnable), r => Assert.NotEqual("", r.Reason));
    }

    [Fact]
    public void InventedHost_WithEveryToolButNoSubsystems_RunsTheUserSpaceTypesOnly()
    {
        var report = Probe(EveryToolNoKernelExtras).ToDictionary(r => r.Type);

        Assert.Equal([PoolType.Dir, PoolType.Fs, PoolType.NetFs, PoolType.Logical, PoolType.Disk, PoolType.IscsiDirect, PoolType.Rbd, PoolType.Gluster],
            report.Values.Where(r => r.Runnable).Select(r => r.Type).Order());
        Assert.True(report[PoolType.Logical].Limited);
        Assert.Equal("cannot mount nfs (no NFS client in the kernel: nfs is not in /proc/filesystems), " +
                     "cifs (no CIFS client in the kernel: cifs is not in /proc/filesystems)", report[PoolType.NetFs].Reason);
        Assert.Equal("no kernel iSCSI initiator (iscsi_tcp): /sys/class/iscsi_transport/tcp is missing, iscsiadm cannot log in",
            report[PoolType.Iscsi].Reason);
        Assert.Equal("", report[PoolType.Fs].Reason);
    }

    [Fact]
    public void InventedHost_WithoutTools_NamesEachMissingToolAndItsPackage()
    {
        var bare = new HostFacts(_ => false, p => p == "/sys/class/misc/device-mapper", ThisKernelFileSystems, _ => false);

        var report = Probe(bare).ToDictionary(r => r.Type);

        Assert.Equal([PoolType.Dir, PoolType.Mpath], report.Values.Where(r => r.Runnable).Select(r => r.Type).Order());
        Assert.Equal("missing tools: parted, blkid, partx (Debian packages parted, util-linux)", report[PoolType.Disk].Reason);
        Assert.Equal("missing tools: iscsi-ls, iscsi-readcapacity16, qemu-io (Debian packages libiscsi-bin, qemu-utils)", report[PoolType.IscsiDirect].Reason);
        Assert.StartsWith("missing tools: pvcreate, vgcreate", report[PoolType.Logical].Reason, StringComparison.Ordinal);
        Assert.DoesNotContain("device-mapper", report[PoolType.Logical].Reason, StringComparison.Ordinal);
        Assert.Equal("missing libraries: librados.so.2, librbd.so.1 (Debian packages librados2, librbd1)", report[PoolType.Rbd].Reason);
    }

    [Fact]
    public void NetFsAndFs_ArePerPool_ByProtocolAndFileSystem()
    {
        Assert.False(NetFsSupport.For("nfs", EveryToolNoKernelExtras).Runnable);
        Assert.False(NetFsSupport.For("auto", EveryToolNoKernelExtras).Runnable);
        Assert.Contains("no CIFS client", NetFsSupport.For("cifs", EveryToolNoKernelExtras).Reason, StringComparison.Ordinal);
        Assert.Equal(BackendAvailability.Full(PoolType.NetFs), NetFsSupport.For("glusterfs", EveryToolNoKernelExtras));
        Assert.True(NetFsSupport.For("nfs", EveryToolNoKernelExtras with { FileSystems = "nodev\tnfs\nnodev\tnfs4\n" }).Runnable);

        Assert.True(FsSupport.For("xfs", EveryToolNoKernelExtras).Runnable);
        Assert.True(FsSupport.For("ext3", EveryToolNoKernelExtras).Runnable);
        Assert.True(FsSupport.For("auto", EveryToolNoKernelExtras).Runnable);
        var vfat = FsSupport.For("vfat", EveryToolNoKernelExtras);
        Assert.Equal((false, "no 'vfat' file system in the kernel (vfat is not in /proc/filesystems)"), (vfat.Runnable, vfat.Reason));
    }

    [HostLacksFact(PoolType.Iscsi)]
    public void Driver_RefusesBuildAndStart_OfAnIscsiPool_WhenTheHostHasNoInitiator()
    {
        using var h = new DeviceHarness(new IscsiPoolBackend());
        h.Driver.DefinePool("<pool type='iscsi'><name>i</name><source><host name='127.0.0.1'/><device path='iqn.2024-01.org.example:t'/></source>" +
                            "<target><path>/dev/disk/by-path</path></target></pool>");

        var start = Assert.Throws<StorageException>(() => h.Driver.StartPool("i"));
        var build = Assert.Throws<StorageException>(() => h.Driver.BuildPool("i"));

        Assert.Equal(ErrorCode.NoSupport, start.Code);
        Assert.StartsWith("this function is not supported by the connection driver: storage pool 'i' of type 'iscsi' cannot run on this host: ",
            start.Message, StringComparison.Ordinal);
        Assert.EndsWith(BackendRegistry.Create().Get(PoolType.Iscsi).Availability().Reason, start.Message, StringComparison.Ordinal);
        Assert.Contains(Directory.Exists("/sys/class/iscsi_transport/tcp") ? "iscsiadm" : "iscsi_tcp", start.Message, StringComparison.Ordinal);
        Assert.Equal(start.Message, build.Message);
        Assert.Equal(PoolState.Inactive, h.Driver.GetPoolInfo("i").State);
    }
}
