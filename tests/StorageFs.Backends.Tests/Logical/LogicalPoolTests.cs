using StorageFs.Backends.Tests.Fixtures;
using StorageFs.Core;
using StorageFs.Core.Backend;
using StorageFs.Backends.HostTools;
using StorageFs.Backends.Logical;

namespace StorageFs.Backends.Tests.Logical;

/// <summary>
/// logical pools on loop devices, for real, through the driver. This kernel has no
/// device-mapper, so LVM runs with <c>--driverloaded n</c>: metadata operations (pvcreate,
/// vgcreate, lvcreate, lvresize, lvremove, vgremove) are real, LV nodes never appear, and
/// operations on LV data say so.
/// </summary>
[Collection(DeviceCollection.Name)]
public sealed class LogicalPoolTests : IDisposable
{
    private readonly DeviceHarness _h = new(new LogicalPoolBackend(lvm: new LvmCommands(deviceMapper: false)));
    private readonly string _vg = "sfsvg" + Guid.NewGuid().ToString("N")[..8];

    public void Dispose()
    {
        // Whatever the test left: the VG and PV labels go before the loop devices do.
        Sh.Try("vgremove", "--driverloaded", "n", "-f", _vg);
        _h.Dispose();
    }

    private string Pool(string name, params string[] devices) =>
        $"<pool type='logical'><name>{name}</name><source>{string.Concat(devices.Select(d => $"<device path='{d}'/>"))}" +
        $"<name>{_vg}</name><format type='lvm2'/></source><target><path>/dev/{_vg}</path></target></pool>";

    [DeviceFact("pvcreate", "blkid")]
    public void Lifecycle_BuildStartCreateResizeDeleteStopDelete_OnARealVolumeGroup()
    {
        var disk = _h.Loop(256L << 20);
        _h.Driver.DefinePool(Pool("lv", disk.Device));
        _h.Driver.BuildPool("lv", PoolBuildFlags.NoOverwrite);
        Assert.Equal("LVM2_member", DeviceProbe.Probe(ProcessCommandRunner.Default, disk.Device)["TYPE"]);

        _h.Driver.StartPool("lv");
        var info = _h.Driver.GetPoolInfo("lv");
        Assert.Equal(252UL << 20, info.Capacity); // 256 MiB less LVM's 1 MiB metadata area and alignment, in 4 MiB extents
        Assert.Equal(0UL, info.Allocation);
        Assert.Equal(info.Capacity, info.Available);

        var vol = _h.Driver.CreateVolume("lv", "<volume><name>data</name><capacity unit='MiB'>100</capacity></volume>");
        Assert.Equal(100UL << 20, vol.Capacity);
        var xml = _h.Driver.GetVolumeXml("lv", "data");
        Assert.Contains($"<path>/dev/{_vg}/data</path>", xml, StringComparison.Ordinal);
        Assert.Contains($"<device path='{disk.Device}'>", xml, StringComparison.Ordinal);
        Assert.Contains("<extent start='0' end='104857600'/>", xml, StringComparison.Ordinal);
        Assert.Contains("lv_name\":\"data\"", Sh.Run("lvs", "--driverloaded", "n", "--reportformat", "json", _vg), StringComparison.Ordinal);
        Assert.Equal(100UL << 20, _h.Driver.GetPoolInfo("lv").Allocation);

        _h.Driver.ResizeVolume("lv", "data", 200UL << 20);
        Assert.Equal(200UL << 20, _h.Driver.GetVolumeInfo("lv", "data").Capacity);

        _h.Driver.RefreshPool("lv");
        Assert.Equal(200UL << 20, _h.Driver.GetPoolInfo("lv").Allocation);
        var key = _h.Driver.ListVolumes("lv").Single().Key;
        Assert.Matches("^[0-9A-Za-z]{6}(-[0-9A-Za-z]{4}){5}-[0-9A-Za-z]{6}$", key);

        _h.Driver.DeleteVolume("lv", "data");
        Assert.DoesNotContain("\"data\"", Sh.Run("lvs", "--driverloaded", "n", "--reportformat", "json", _vg), StringComparison.Ordinal);
        _h.Driver.StopPool("lv");
        _h.Driver.DeletePool("lv");
        Assert.Equal(2, Sh.Try("blkid", "-p", disk.Device).Code);
    }

    [DeviceFact("pvcreate", "mkfs.ext4", "blkid")]
    public void Build_NoOverwrite_RefusesADeviceHoldingAFileSystem_OverwriteFormatsIt()
    {
        var disk = _h.Loop(64L << 20);
        Sh.Run("mkfs.ext4", "-q", "-F", disk.Device);
        _h.Driver.DefinePool(Pool("lv", disk.Device));

        var e = Assert.Throws<StorageException>(() => _h.Driver.BuildPool("lv", PoolBuildFlags.NoOverwrite));
        Assert.Equal($"Storage pool probe failed: Format of device '{disk.Device}' does not match the expected format 'LVM2_member', forced overwrite is necessary", e.Message);
        Assert.Throws<StorageException>(() => _h.Driver.BuildPool("lv"));
        Assert.Equal("ext4", DeviceProbe.Probe(ProcessCommandRunner.Default, disk.Device)["TYPE"]);

        _h.Driver.BuildPool("lv", PoolBuildFlags.Overwrite);
        Assert.Equal("LVM2_member", DeviceProbe.Probe(ProcessCommandRunner.Default, disk.Device)["TYPE"]);

        var again = Assert.Throws<StorageException>(() => _h.Driver.BuildPool("lv", PoolBuildFlags.NoOverwrite));
        Assert.Equal($"Storage pool already built: Device '{disk.Device}' already formatted using 'LVM2_member'", again.Message);
        _h.Driver.DeletePool("lv");
    }

    [DeviceFact("pvcreate")]
    public void Build_TwoDevices_MakesOneGroupSpanningBoth()
    {
        var a = _h.Loop(64L << 20);
        var b = _h.Loop(64L << 20);
        _h.Driver.DefinePool(Pool("lv", a.Device, b.Device));
        _h.Driver.BuildPool("lv");
        _h.Driver.StartPool("lv");
        Assert.Equal(120UL << 20, _h.Driver.GetPoolInfo("lv").Capacity);

        // 100 MiB does not fit on one 60 MiB PV: two segments, one extent list per device.
        _h.Driver.CreateVolume("lv", "<volume><name>wide</name><capacity unit='MiB'>100</capacity></volume>");
        var xml = _h.Driver.GetVolumeXml("lv", "wide");
        Assert.Contains($"<device path='{a.Device}'>", xml, StringComparison.Ordinal);
        Assert.Contains($"<device path='{b.Device}'>", xml, StringComparison.Ordinal);

        _h.Driver.StopPool("lv");
        _h.Driver.DeletePool("lv");
    }

    [DeviceFact("pvcreate")]
    public void Start_UnknownVolumeGroup_FailsAsLibvirt()
    {
        var disk = _h.Loop(64L << 20);
        _h.Driver.DefinePool(Pool("lv", disk.Device));

        var e = Assert.Throws<StorageException>(() => _h.Driver.StartPool("lv"));

        Assert.Equal($"operation failed: cannot find logical volume group name '{_vg}'", e.Message);
    }

    [DeviceFact("pvcreate")]
    public void VolumeData_WithoutDeviceMapper_IsRefusedNamingWhy()
    {
        var disk = _h.Loop(64L << 20);
        _h.Driver.DefinePool(Pool("lv", disk.Device));
        _h.Driver.BuildPool("lv");
        _h.Driver.StartPool("lv");
        _h.Driver.CreateVolume("lv", "<volume><name>v</name><capacity unit='MiB'>8</capacity></volume>");

        var wipe = Assert.Throws<StorageException>(() => _h.Driver.WipeVolume("lv", "v"));
        var open = Assert.Throws<StorageException>(() => _h.Driver.OpenVolume("lv", "v", VolumeAccessMode.Read));
        // What creating a file in volumes/ asks for: capacity 0, bytes to follow.
        var empty = Assert.Throws<StorageException>(() =>
            _h.Driver.CreateVolume("lv", "<volume><name>w</name><capacity unit='bytes'>0</capacity></volume>"));

        foreach (var e in new[] { wipe, open, empty })
        {
            // One sentence naming the missing kernel part (EOPNOTSUPP in the tree), no tool text.
            Assert.Equal(ErrorCode.NoSupport, e.Code);
            Assert.Contains("no device-mapper", e.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("lvcreate", e.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("--size", e.Message, StringComparison.Ordinal);
        }
        _h.Driver.StopPool("lv");
        _h.Driver.DeletePool("lv");
    }

    [DeviceFact("pvcreate")]
    public void SecondPool_OnTheSameDevice_IsRefused_EvenAsAnotherType()
    {
        var disk = _h.Loop(64L << 20);
        _h.Driver.DefinePool(Pool("lv", disk.Device));

        var e = Assert.Throws<StorageException>(() => _h.Driver.DefinePool(Pool("lv2", disk.Device)));

        Assert.Equal("operation failed: Storage source conflict with pool: 'lv'", e.Message);
        Assert.Equal(ErrorCode.PoolExists, e.Code);
    }
}
