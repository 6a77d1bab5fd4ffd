using StorageFs.Backends.Tests.Fixtures;
using StorageFs.Core;
using StorageFs.Core.Driver;
using StorageFs.Core.Model;
using StorageFs.Interop;
using StorageFs.Backends.NetFs;

namespace StorageFs.Backends.Tests.NetFs;

/// <summary>
/// netfs pools. GlusterFS runs for real: a single-node glusterd on loopback with one brick,
/// mounted by the pool through mount(8) → mount.glusterfs (FUSE). This kernel has no NFS or CIFS
/// client (CONFIG_NFS_FS, CONFIG_CIFS unset), so for those the mount command line is checked on
/// a recording runner and the real mount's failure is reported as libvirt reports it.
/// </summary>
[Collection(DeviceCollection.Name)]
public sealed class NetFsPoolTests : IDisposable
{
    private readonly NetNamespaceRunner _net;
    private readonly DeviceHarness _h;

    public NetFsPoolTests()
    {
        _net = new NetNamespaceRunner();
        _h = new DeviceHarness(new NetFsPoolBackend(runner: _net));
    }

    public void Dispose() => _h.Dispose();

    private string Pool(string name, string host, string dir, string format) =>
        $"<pool type='netfs'><name>{name}</name><source><host name='{host}'/><dir path='{dir}'/><format type='{format}'/></source>" +
        $"<target><path>{_h.PoolPath(name)}</path></target></pool>";

    [DeviceFact("glusterd", "gluster", "mount.glusterfs", "qemu-img")]
    public void GlusterFs_MountedThroughMountGlusterfs_VolumesLandOnTheBrick()
    {
        var gluster = new GlusterDaemon(_h.Root);
        _h.OnDispose(gluster);
        _net.NetNamespace = gluster.NetNamespace;
        _h.Driver.DefinePool(Pool("g", gluster.Host, gluster.Volume, "glusterfs"));
        _h.Driver.BuildPool("g");

        _h.Driver.StartPool("g");

        var mount = MountInfo.TopAt(_h.PoolPath("g"));
        Assert.NotNull(mount);
        Assert.Equal(("fuse.glusterfs", $"{gluster.Host}:{gluster.Volume}"), (mount.FsType, mount.Source));
        _h.Driver.CreateVolume("g", "<volume><name>disk.qcow2</name><capacity unit='GiB'>1</capacity><target><format type='qcow2'/></target></volume>");
        _h.Driver.CreateVolume("g", "<volume><name>raw</name><capacity unit='MiB'>4</capacity></volume>");
        Assert.True(File.Exists(Path.Combine(gluster.Brick, "disk.qcow2")));
        Assert.Equal(4L << 20, new FileInfo(Path.Combine(gluster.Brick, "raw")).Length);
        Assert.Equal(1UL << 30, _h.Driver.GetVolumeInfo("g", "disk.qcow2").Capacity);
        Assert.True(_h.Driver.GetPoolInfo("g").Capacity > 0);

        Assert.Equal(PoolState.Running, _h.NewDriver().GetPoolInfo("g").State);

        _h.Driver.DeleteVolume("g", "raw");
        Assert.False(File.Exists(Path.Combine(gluster.Brick, "raw")));
        _h.Driver.StopPool("g");
        Assert.Null(MountInfo.TopAt(_h.PoolPath("g")));
        Assert.True(File.Exists(Path.Combine(gluster.Brick, "disk.qcow2")));
    }

    [Fact]
    public void Nfs_Start_RunsLibvirtsMountCommand_AndStopUnmountsOnlyWhatItMounted()
    {
        var runner = new RecordingRunner();
        var backend = new NetFsPoolBackend(runner: runner);
        var pool = Core.Xml.PoolXml.Parse(
            "<pool type='netfs'><name>n</name><source><host name='nfs.example.com'/><dir path='/exports/vm'/>" +
            "<format type='nfs'/><protocol ver='4.2'/></source><target><path>/srv/never-mounted</path></target></pool>");

        backend.Start(pool, CancellationToken.None);
        backend.Stop(pool);

        var call = Assert.Single(runner.Calls);
        Assert.Equal(["mount", "-o", "nodev,nosuid,noexec,nfsvers=4.2", "-t", "nfs", "nfs.example.com:/exports/vm", "/srv/never-mounted"], call);
    }

    [Fact]
    public void Cifs_Start_MountsTheShareAsAGuest()
    {
        var runner = new RecordingRunner();
        var pool = Core.Xml.PoolXml.Parse(
            "<pool type='netfs'><name>c</name><source><host name='smb.example.com'/><dir path='share'/>" +
            "<format type='cifs'/></source><target><path>/srv/cifs</path></target></pool>");

        new NetFsPoolBackend(runner: runner).Start(pool, CancellationToken.None);

        Assert.Equal(["mount", "-o", "nodev,nosuid,noexec,guest", "-t", "cifs", "//smb.example.com/share", "/srv/cifs"], runner.Calls.Single());
    }

    [HostLacksFact(PoolType.NetFs, "nfs")]
    public void Nfs_BuildAndStart_OnAKernelWithoutAnNfsClient_AreRefusedNamingIt_BeforeAnythingRuns()
    {
        var runner = new RecordingRunner();
        using var h = new DeviceHarness(new NetFsPoolBackend(runner: runner));
        h.Driver.DefinePool(Pool("n", "127.0.0.1", "/export", "nfs").Replace(_h.PoolPath("n"), h.PoolPath("n"), StringComparison.Ordinal));

        var build = Assert.Throws<StorageException>(() => h.Driver.BuildPool("n"));
        var start = Assert.Throws<StorageException>(() => h.Driver.StartPool("n"));

        Assert.Equal((ErrorCode.NoSupport, ErrorCode.NoSupport), (build.Code, start.Code));
        Assert.Equal("this function is not supported by the connection driver: storage pool 'n' of type 'netfs' cannot run on this host: " +
                     "cannot mount nfs (no NFS client in the kernel: nfs is not in /proc/filesystems)", start.Message);
        Assert.Equal(start.Message, build.Message);
        Assert.Empty(runner.Calls);
        Assert.False(Directory.Exists(h.PoolPath("n")));
        Assert.Equal(PoolState.Inactive, h.Driver.GetPoolInfo("n").State);
    }

    [Fact]
    public void SecondPool_OnTheSameExport_IsRefused()
    {
        using var h = new DeviceHarness(new NetFsPoolBackend(runner: new RecordingRunner()));
        h.Driver.DefinePool($"<pool type='netfs'><name>a</name><source><host name='h'/><dir path='/e'/></source><target><path>{h.PoolPath("a")}</path></target></pool>");

        var e = Assert.Throws<StorageException>(() =>
            h.Driver.DefinePool($"<pool type='netfs'><name>b</name><source><host name='h'/><dir path='/e'/></source><target><path>{h.PoolPath("b")}</path></target></pool>"));

        Assert.Equal("operation failed: Storage source conflict with pool: 'a'", e.Message);
    }
}
