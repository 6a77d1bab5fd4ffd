using StorageFs.Backends.Tests.Fixtures;
using StorageFs.Core;
using StorageFs.Core.Model;
using StorageFs.Core.Xml;
using StorageFs.Interop;
using StorageFs.Backends.Gluster;

namespace StorageFs.Backends.Tests.Gluster;

/// <summary>gluster pools against a real single-node GlusterFS on loopback (client: a private
/// mount.glusterfs mount standing in for libgfapi).</summary>
[Collection(DeviceCollection.Name)]
public sealed class GlusterPoolTests : IDisposable
{
    private readonly DeviceHarness _h;
    private readonly string _mounts;
    private readonly NetNamespaceRunner _net = new();

    public GlusterPoolTests()
    {
        _mounts = Directory.CreateTempSubdirectory("sfs-gmounts-").FullName;
        _h = new DeviceHarness(new GlusterPoolBackend(runner: _net, mountRoot: _mounts));
    }

    public void Dispose()
    {
        DeviceHarness.UnmountBelow(_mounts);
        _h.Dispose();
        Directory.Delete(_mounts, recursive: true);
    }

    [DeviceFact("glusterd", "gluster", "mount.glusterfs", "qemu-img")]
    public void Refresh_ListsTheVolumesFiles_AsGlusterUrls_DeleteRemovesOne_CreateIsRefused()
    {
        // The fixture shares no host state: glusterd's port taken on the host does not stop it,
        // and nothing appears in the host's /run or /var/lib.
        using var squatter = ListenIfFree(24007);
        bool runGlusterBefore = Directory.Exists("/run/gluster"), libGlusterdBefore = Directory.Exists("/var/lib/glusterd");
        var gluster = new GlusterDaemon(_h.Root);
        _h.OnDispose(gluster);
        _net.NetNamespace = gluster.NetNamespace;
        Assert.Equal((runGlusterBefore, libGlusterdBefore, false),
            (Directory.Exists("/run/gluster"), Directory.Exists("/var/lib/glusterd"), File.Exists("/run/glusterd.socket") && !runGlusterBefore));
        _h.Driver.DefinePool($"<pool type='gluster'><name>g</name><source><host name='{gluster.Host}'/><name>{gluster.Volume}</name>" +
                             "<dir path='/'/></source></pool>");
        _h.Driver.StartPool("g");
        var mount = Directory.GetDirectories(_mounts).Single();
        Assert.Equal("fuse.glusterfs", MountInfo.TopAt(mount)!.FsType);
        Sh.Run("qemu-img", "create", "-q", "-f", "qcow2", Path.Combine(mount, "a.qcow2"), "64M");
        File.WriteAllBytes(Path.Combine(mount, "b"), new byte[1 << 20]);

        _h.Driver.RefreshPool("g");

        var vols = _h.Driver.ListVolumes("g");
        Assert.Equal(["a.qcow2", "b"], vols.Select(v => v.Name));
        Assert.Equal(($"gluster://{gluster.Host}/{gluster.Volume}/a.qcow2", $"{gluster.Volume}/a.qcow2", "qcow2", 64UL << 20),
            (vols[0].Path, vols[0].Key, vols[0].Format, vols[0].Capacity));
        Assert.Equal(VolumeType.Network, vols[0].Type);
        Assert.True(_h.Driver.GetPoolInfo("g").Capacity > 0);
        Assert.True(File.Exists(Path.Combine(gluster.Brick, "a.qcow2")));

        var create = Assert.Throws<StorageException>(() => _h.Driver.CreateVolume("g", "<volume><name>c</name><capacity>1</capacity></volume>"));
        Assert.Equal("this function is not supported by the connection driver: storage pool does not support volume creation", create.Message);

        _h.Driver.DeleteVolume("g", "b");
        Assert.False(File.Exists(Path.Combine(gluster.Brick, "b")));
        _h.Driver.StopPool("g");
        Assert.Empty(Directory.GetDirectories(_mounts));
    }

    private static System.Net.Sockets.TcpListener? ListenIfFree(int port)
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, port);
        try
        {
            listener.Start();
            return listener;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return null;
        }
    }

    [Fact]
    public void MountCommand_MountsTheWholeVolume_OnAPrivateDirectory()
    {
        var pool = PoolXml.Parse("<pool type='gluster'><name>g</name><uuid>65fcba04-5b13-bd93-cff3-52ce48e11ad8</uuid>" +
                                 "<source><name>volume</name><dir path='/sub'/><host name='localhost'/></source></pool>");

        Assert.Equal(["mount", "-o", "nodev,nosuid,noexec", "-t", "glusterfs", "localhost:/volume", "/run/storagefs/gluster/65fcba04-5b13-bd93-cff3-52ce48e11ad8"],
            new GlusterPoolBackend().MountCommand(pool));
    }
}
