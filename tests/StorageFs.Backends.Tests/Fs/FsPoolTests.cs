using StorageFs.Backends.Tests.Fixtures;
using StorageFs.Core;
using StorageFs.Core.Backend;
using StorageFs.Core.Driver;
using StorageFs.Interop;
using StorageFs.Backends.Disk;
using StorageFs.Backends.Fs;
using StorageFs.Backends.HostTools;

namespace StorageFs.Backends.Tests.Fs;

/// <summary>
/// fs pools on loop devices, for real: mkfs (ext4, xfs ≥ 300 MB, btrfs) by build with the
/// overwrite rules, mount with libvirt's argv at start, umount at stop, volumes as files through
/// the dir backend's code.
/// </summary>
[Collection(DeviceCollection.Name)]
public sealed class FsPoolTests : IDisposable
{
    private readonly DeviceHarness _h = new(new FsPoolBackend(), new DiskPoolBackend());

    public void Dispose() => _h.Dispose();

    private string Pool(string name, string device, string format) =>
        $"<pool type='fs'><name>{name}</name><source><device path='{device}'/><format type='{format}'/></source>" +
        $"<target><path>{_h.PoolPath(name)}</path></target></pool>";

    private static string MountOptionsOf(string target) =>
        File.ReadAllLines("/proc/self/mountinfo").Select(l => l.Split(' ')).Single(f => f[4] == target)[5];

    [DeviceFact("mkfs.ext4", "blkid", "qemu-img")]
    public void Ext4_BuildMountsVolumesUnmount_WithLibvirtsMountOptions()
    {
        var disk = _h.Loop(64L << 20);
        _h.Driver.DefinePool(Pool("p", disk.Device, "ext4"));
        _h.Driver.BuildPool("p", PoolBuildFlags.NoOverwrite);
        Assert.Equal("ext4", DeviceProbe.Probe(ProcessCommandRunner.Default, disk.Device)["TYPE"]);

        _h.Driver.StartPool("p");
        var target = _h.PoolPath("p");
        var mount = MountInfo.TopAt(target);
        Assert.NotNull(mount);
        Assert.Equal((disk.Device, "ext4"), (mount.Source, mount.FsType));
        var options = MountOptionsOf(target).Split(',');
        Assert.Contains("nodev", options);
        Assert.Contains("nosuid", options);
        Assert.Contains("noexec", options);

        // lost+found is listed as a dir volume, as libvirt lists it.
        Assert.Equal(["lost+found"], _h.Driver.ListVolumes("p").Select(v => v.Name));
        var info = _h.Driver.GetPoolInfo("p");
        var drive = new DriveInfo(target);
        Assert.Equal((ulong)drive.TotalSize, info.Capacity);
        Assert.True(info.Capacity is > 50UL << 20 and < 64UL << 20);

        _h.Driver.CreateVolume("p", "<volume><name>raw</name><capacity unit='MiB'>8</capacity></volume>");
        _h.Driver.CreateVolume("p", "<volume><name>img.qcow2</name><capacity unit='GiB'>1</capacity><target><format type='qcow2'/></target></volume>");
        Assert.Equal(8L << 20, new FileInfo(Path.Combine(target, "raw")).Length);
        Assert.Contains("<format type='qcow2'/>", _h.Driver.GetVolumeXml("p", "img.qcow2"), StringComparison.Ordinal);

        _h.Driver.StopPool("p");
        Assert.Null(MountInfo.TopAt(target));
        Assert.False(File.Exists(Path.Combine(target, "raw")));

        _h.Driver.StartPool("p");
        Assert.Equal(["img.qcow2", "lost+found", "raw"], _h.Driver.ListVolumes("p").Select(v => v.Name));
        _h.Driver.DeleteVolume("p", "raw");
        _h.Driver.StopPool("p");
        _h.Driver.DeletePool("p");
        Assert.False(Directory.Exists(target));
        Assert.Equal("ext4", DeviceProbe.Probe(ProcessCommandRunner.Default, disk.Device)["TYPE"]);
    }

    [DeviceFact("mkfs.xfs", "blkid")]
    public void Xfs_On320MiB_ClonesByReflink()
    {
        var disk = _h.Loop(320L << 20);
        _h.Driver.DefinePool(Pool("x", disk.Device, "xfs"));
        _h.Driver.BuildPool("x", PoolBuildFlags.Overwrite);
        _h.Driver.StartPool("x");
        Assert.Equal("xfs", MountInfo.TopAt(_h.PoolPath("x"))!.FsType);

        _h.Driver.CreateVolume("x", "<volume><name>a</name><capacity unit='MiB'>32</capacity></volume>");
        var before = _h.Driver.GetPoolInfo("x").Allocation;
        // Fully allocated (no <allocation>), as libvirt's vol-clone asks: the shared extents are
        // allocated already, so nothing is fallocated over them.
        _h.Driver.CloneVolume("x", "<volume><name>b</name><capacity unit='MiB'>32</capacity></volume>",
            "x", "a", VolumeCreateFlags.Reflink);
        _h.Driver.RefreshPool("x");

        // Shared extents: the copy takes (almost) no new space.
        Assert.True(_h.Driver.GetPoolInfo("x").Allocation < before + (4UL << 20));
        _h.Driver.StopPool("x");
    }

    [DeviceFact("mkfs.btrfs", "blkid")]
    public void Btrfs_MadeByMkfs_MountsWithFormatAuto()
    {
        // libvirt 9.0's fs formats (and so StorageFs's model) have no "btrfs": a btrfs device
        // is used through format 'auto', which mounts with "-t auto" and lets mount detect it.
        var disk = _h.Loop(128L << 20);
        Sh.Run("mkfs.btrfs", "-q", "-f", disk.Device);
        _h.Driver.DefinePool(Pool("b", disk.Device, "auto"));
        _h.Driver.BuildPool("b");

        _h.Driver.StartPool("b");

        Assert.Equal("btrfs", MountInfo.TopAt(_h.PoolPath("b"))!.FsType);
        _h.Driver.CreateVolume("b", "<volume><name>v</name><capacity unit='MiB'>4</capacity></volume>");
        _h.Driver.CloneVolume("b", "<volume><name>w</name><allocation>0</allocation></volume>", "b", "v", VolumeCreateFlags.Reflink);
        Assert.Equal(4L << 20, new FileInfo(Path.Combine(_h.PoolPath("b"), "w")).Length);
        _h.Driver.StopPool("b");
    }

    [DeviceFact("mkfs.ext4", "mkfs.xfs", "blkid")]
    public void Build_OverwriteRules_FollowLibvirt()
    {
        var disk = _h.Loop(320L << 20);
        Sh.Run("mkfs.ext4", "-q", "-F", disk.Device);
        var uuid = DeviceProbe.Probe(ProcessCommandRunner.Default, disk.Device)["UUID"];

        _h.Driver.DefinePool(Pool("p", disk.Device, "ext4"));
        var same = Assert.Throws<StorageException>(() => _h.Driver.BuildPool("p", PoolBuildFlags.NoOverwrite));
        Assert.Equal($"Storage pool already built: Device '{disk.Device}' already formatted using 'ext4'", same.Message);
        _h.Driver.BuildPool("p"); // no flag: mkdir only, the file system stays
        Assert.Equal(uuid, DeviceProbe.Probe(ProcessCommandRunner.Default, disk.Device)["UUID"]);
        Assert.True(Directory.Exists(_h.PoolPath("p")));
        _h.Driver.UndefinePool("p");

        _h.Driver.DefinePool(Pool("q", disk.Device, "xfs"));
        var other = Assert.Throws<StorageException>(() => _h.Driver.BuildPool("q", PoolBuildFlags.NoOverwrite));
        Assert.Equal($"Storage pool probe failed: Format of device '{disk.Device}' does not match the expected format 'xfs', forced overwrite is necessary", other.Message);
        _h.Driver.BuildPool("q", PoolBuildFlags.Overwrite);
        Assert.Equal("xfs", DeviceProbe.Probe(ProcessCommandRunner.Default, disk.Device)["TYPE"]);
    }

    [DeviceFact("mkfs.ext4")]
    public void Build_WithFormatAuto_RefusesToGuessAFileSystem()
    {
        var disk = _h.Loop(16L << 20);
        _h.Driver.DefinePool(Pool("p", disk.Device, "auto"));

        var e = Assert.Throws<StorageException>(() => _h.Driver.BuildPool("p", PoolBuildFlags.Overwrite));

        Assert.Equal(ErrorCode.ConfigUnsupported, e.Code);
    }

    [DeviceFact("mkfs.ext4")]
    public void Unmounted_BehindOurBack_RefreshFails_AndThePoolIsInaccessible()
    {
        var disk = _h.Loop(32L << 20);
        _h.Driver.DefinePool(Pool("p", disk.Device, "ext4"));
        _h.Driver.BuildPool("p", PoolBuildFlags.Overwrite);
        _h.Driver.StartPool("p");
        Sh.Run("umount", _h.PoolPath("p"));

        var e = Assert.Throws<StorageException>(() => _h.Driver.RefreshPool("p"));

        Assert.Equal($"operation failed: '{disk.Device}' is not mounted on '{_h.PoolPath("p")}'", e.Message);
        Assert.Equal(PoolState.Inaccessible, _h.Driver.GetPoolInfo("p").State);
        _h.Driver.StartPool("p");
        Assert.NotNull(MountInfo.TopAt(_h.PoolPath("p")));
    }

    [DeviceFact("mkfs.ext4")]
    public void Start_WhenSomethingElseIsMountedOnTheTarget_IsRefused()
    {
        var a = _h.Loop(32L << 20, "a");
        var b = _h.Loop(32L << 20, "b");
        Sh.Run("mkfs.ext4", "-q", "-F", a.Device);
        _h.Driver.DefinePool(Pool("p", b.Device, "ext4"));
        _h.Driver.BuildPool("p", PoolBuildFlags.Overwrite);
        Sh.Run("mount", a.Device, _h.PoolPath("p"));

        var e = Assert.Throws<StorageException>(() => _h.Driver.StartPool("p"));

        Assert.Equal($"Requested operation is not valid: target '{_h.PoolPath("p")}' already has '{a.Device}' (ext4) mounted on it", e.Message);
    }

    [DeviceFact("mkfs.ext4")]
    public void Restart_FindsTheMountedPoolRunning()
    {
        var disk = _h.Loop(32L << 20);
        _h.Driver.DefinePool(Pool("p", disk.Device, "ext4"));
        _h.Driver.BuildPool("p", PoolBuildFlags.Overwrite);
        _h.Driver.StartPool("p");
        _h.Driver.CreateVolume("p", "<volume><name>v</name><capacity>4096</capacity></volume>");

        var driver = _h.NewDriver();

        Assert.Equal(PoolState.Running, driver.GetPoolInfo("p").State);
        Assert.Contains("v", driver.ListVolumes("p").Select(v => v.Name));
    }

    [DeviceFact("parted")]
    public void SecondPool_OnTheDeviceOfADiskPool_IsRefused()
    {
        var disk = _h.Loop(16L << 20);
        _h.Driver.DefinePool($"<pool type='disk'><name>d</name><source><device path='{disk.Device}'/></source><target><path>/dev</path></target></pool>");

        var e = Assert.Throws<StorageException>(() => _h.Driver.DefinePool(Pool("p", disk.Device, "ext4")));

        Assert.Equal("operation failed: Storage source conflict with pool: 'd'", e.Message);
    }

    [Fact]
    public void MkfsArgv_HasEachToolsForceOption()
    {
        Assert.Equal(["mkfs", "-t", "ext4", "-F", "/dev/sdb"], MkfsCommand.For("ext4", "/dev/sdb"));
        Assert.Equal(["mkfs", "-t", "xfs", "-f", "/dev/sdb"], MkfsCommand.For("xfs", "/dev/sdb"));
        Assert.Equal(["mkfs", "-t", "vfat", "-I", "/dev/sdb"], MkfsCommand.For("vfat", "/dev/sdb"));
        Assert.Equal(["mkfs", "-t", "btrfs", "-f", "/dev/sdb"], MkfsCommand.For("btrfs", "/dev/sdb"));
    }
}
