using System.Text.Json;
using StorageFs.Backends.Tests.Fixtures;
using StorageFs.Core;
using StorageFs.Core.Backend;
using StorageFs.Backends.Files;
using StorageFs.Backends.Fs;

namespace StorageFs.Backends.Tests.Ploop;

/// <summary>
/// ploop volumes and the other qemu-img formats in a file-volume pool (an fs pool on an ext4
/// loop device), through the driver: create, list, resize, upload/download of root.hds, clone,
/// wipe, delete.
/// </summary>
[Collection(DeviceCollection.Name)]
public sealed class PloopVolumeTests : IDisposable
{
    private readonly DeviceHarness _h = new(new FsPoolBackend());
    private readonly string _pool;

    public PloopVolumeTests()
    {
        _pool = _h.PoolPath("p");
    }

    public void Dispose() => _h.Dispose();

    private void RunningPool()
    {
        var disk = _h.Loop(64L << 20);
        _h.Driver.DefinePool($"<pool type='fs'><name>p</name><source><device path='{disk.Device}'/><format type='ext4'/></source>" +
            $"<target><path>{_pool}</path></target></pool>");
        _h.Driver.BuildPool("p", PoolBuildFlags.Overwrite);
        _h.Driver.StartPool("p");
    }

    private static string Vol(string name, ulong mib, string format) =>
        $"<volume><name>{name}</name><capacity unit='MiB'>{mib}</capacity><target><format type='{format}'/></target></volume>";

    [DeviceFact("mkfs.ext4", "qemu-img", "qemu-io")]
    public void Ploop_CreateResizeUploadCloneWipeDelete()
    {
        RunningPool();
        var vol = _h.Driver.CreateVolume("p", Vol("vm", 64, "ploop"));
        var dir = Path.Combine(_pool, "vm");
        Assert.True(PloopVolumes.IsPloopDirectory(dir));
        Assert.Equal(64UL << 20, vol.Capacity);
        Sh.Run("qemu-img", "check", "-f", "parallels", Path.Combine(dir, "root.hds"));
        var xml = _h.Driver.GetVolumeXml("p", "vm");
        Assert.Contains("<volume type='ploop'>", xml, StringComparison.Ordinal);
        Assert.Contains("<format type='ploop'/>", xml, StringComparison.Ordinal);
        Assert.Contains($"<path>{dir}</path>", xml, StringComparison.Ordinal);

        _h.Driver.RefreshPool("p");
        Assert.Equal(Core.Model.VolumeType.Ploop, _h.Driver.GetVolumeInfo("p", "vm").Type);

        _h.Driver.ResizeVolume("p", "vm", 2UL << 30);
        Assert.Equal(2UL << 30, _h.Driver.GetVolumeInfo("p", "vm").Capacity);
        Assert.Contains("<Disk_size>4194304</Disk_size>", File.ReadAllText(Path.Combine(dir, "DiskDescriptor.xml")), StringComparison.Ordinal);

        // Upload a parallels image made by qemu-img: root.hds is replaced, the descriptor follows it.
        var other = Path.Combine(_h.Root, "other.hds");
        Sh.Run("qemu-img", "create", "-q", "-f", "parallels", other, "128M");
        Sh.Run("qemu-io", "-f", "parallels", "-c", "write -P 0x5a 0 1M", other);
        using (var w = _h.Driver.OpenVolume("p", "vm", VolumeAccessMode.Write).AsStream())
        {
            w.SetLength(0);
            using var src = File.OpenRead(other);
            src.CopyTo(w);
        }
        Assert.Contains("<Disk_size>262144</Disk_size>", File.ReadAllText(Path.Combine(dir, "DiskDescriptor.xml")), StringComparison.Ordinal);
        using (var r = _h.Driver.OpenVolume("p", "vm", VolumeAccessMode.Read).AsStream())
        {
            var head = new byte[16];
            r.ReadExactly(head);
            Assert.Equal("WithouFreSpacExt"u8.ToArray(), head);
        }

        _h.Driver.CloneVolume("p", "<volume><name>copy</name><target><format type='ploop'/></target></volume>", "p", "vm");
        Sh.Run("qemu-io", "-f", "parallels", "-c", "read -P 0x5a 0 1M", Path.Combine(_pool, "copy", "root.hds"));

        _h.Driver.WipeVolume("p", "copy");
        Sh.Run("qemu-io", "-f", "parallels", "-c", "read -P 0 0 1M", Path.Combine(_pool, "copy", "root.hds"));
        Assert.Equal(0, PloopImage.AllocatedClusters(Path.Combine(_pool, "copy", "root.hds")));
        Assert.Equal(128UL << 20, _h.Driver.GetVolumeInfo("p", "copy").Capacity);

        _h.Driver.DeleteVolume("p", "vm");
        _h.Driver.DeleteVolume("p", "copy");
        Assert.False(Directory.Exists(dir));
    }

    [DeviceFact("mkfs.ext4", "qemu-img")]
    public void Ploop_WithABackingStore_IsRefusedAsLibvirt()
    {
        RunningPool();

        var e = Assert.Throws<StorageException>(() => _h.Driver.CreateVolume("p",
            "<volume><name>v</name><capacity unit='MiB'>1</capacity><target><format type='ploop'/></target>" +
            "<backingStore><path>/x</path><format type='ploop'/></backingStore></volume>"));

        Assert.Equal("unsupported configuration: copy-on-write ploop volumes are not yet supported", e.Message);
    }

    [DeviceTheory("mkfs.ext4", "qemu-img")]
    [InlineData("vmdk", "vmdk")]
    [InlineData("vdi", "vdi")]
    [InlineData("vpc", "vpc")]
    [InlineData("qed", "qed")]
    [InlineData("qcow", "qcow")]
    public void OtherQemuImgFormats_AreCreated_AndProbedBackAtRefresh(string format, string qemuFormat)
    {
        RunningPool();

        _h.Driver.CreateVolume("p", Vol("img", 100, format));
        _h.Driver.RefreshPool("p");

        using var doc = JsonDocument.Parse(Sh.Run("qemu-img", "info", "--output=json", Path.Combine(_pool, "img")));
        Assert.Equal(qemuFormat, doc.RootElement.GetProperty("format").GetString());
        Assert.Contains($"<format type='{format}'/>", _h.Driver.GetVolumeXml("p", "img"), StringComparison.Ordinal);
        Assert.True(_h.Driver.GetVolumeInfo("p", "img").Capacity >= 100UL << 20);
    }
}
