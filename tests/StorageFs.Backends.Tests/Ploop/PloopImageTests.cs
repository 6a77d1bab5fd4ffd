using System.Text.Json;
using System.Xml.Linq;
using StorageFs.Backends.Tests.Fixtures;
using StorageFs.Core;
using StorageFs.Core.Model;
using StorageFs.Backends.Files;

namespace StorageFs.Backends.Tests.Ploop;

/// <summary>
/// ploop images written by StorageFs, checked by qemu's parallels driver (Debian's ploop tool
/// segfaults here): <c>qemu-img check -f parallels</c> finds no errors, <c>qemu-img info</c>
/// reads the size, qemu-io reads back data written before a resize.
/// </summary>
public sealed class PloopImageTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sfs-ploop-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Image => Path.Combine(_dir, "root.hds");

    private static readonly StoragePermissions Perms = new();

    private static (ulong Size, string Format) Info(string path)
    {
        using var doc = JsonDocument.Parse(Sh.Run("qemu-img", "info", "--output=json", "-f", "parallels", path));
        return (doc.RootElement.GetProperty("virtual-size").GetUInt64(), doc.RootElement.GetProperty("format").GetString()!);
    }

    private static void Check(string path) => Sh.Run("qemu-img", "check", "-f", "parallels", path);

    [DeviceFact("qemu-img")]
    public void Create_WritesTheLayoutQemuImgWrites_ByteForByte()
    {
        PloopImage.Create(Image, 64UL << 20, Perms);
        var reference = Path.Combine(_dir, "qemu.hds");
        Sh.Run("qemu-img", "create", "-q", "-f", "parallels", reference, "64M");

        Assert.Equal(File.ReadAllBytes(reference), File.ReadAllBytes(Image));
        Check(Image);
        Assert.Equal((64UL << 20, "parallels"), Info(Image));
    }

    [DeviceFact("qemu-img")]
    public void Create_RoundsUpToWholeMiB_AsLibvirtsPloopInitArgument()
    {
        var header = PloopImage.Create(Image, (5UL << 20) + 1, Perms);

        Assert.Equal(6UL << 20, header.Capacity);
        Assert.Equal(6u, header.BatEntries);
        Check(Image);
    }

    [DeviceFact("qemu-img", "qemu-io")]
    public void Grow_WithinTheFirstCluster_KeepsData()
    {
        PloopImage.Create(Image, 64UL << 20, Perms);
        Sh.Run("qemu-io", "-f", "parallels", "-c", "write -P 0xab 0 3M", "-c", "write -P 0xcd 60M 1M", Image);

        PloopImage.Grow(Image, 10UL << 30);

        Check(Image);
        Assert.Equal(10UL << 30, Info(Image).Size);
        Sh.Run("qemu-io", "-f", "parallels", "-c", "read -P 0xab 0 3M", "-c", "read -P 0xcd 60M 1M", "-c", "read -P 0 64M 1M", Image);
    }

    [DeviceFact("qemu-img", "qemu-io")]
    public void Grow_PastTheFirstCluster_MovesTheDataClustersInTheWay()
    {
        // One 1 MiB cluster holds (1 MiB − 64) / 4 = 262128 BAT entries: 256 GiB less 16 MiB.
        PloopImage.Create(Image, 64UL << 20, Perms);
        Sh.Run("qemu-io", "-f", "parallels", "-c", "write -P 0x11 0 1M", "-c", "write -P 0x22 1M 1M", "-c", "write -P 0x33 8M 1M", Image);
        Assert.Equal(3, PloopImage.AllocatedClusters(Image));

        var header = PloopImage.Grow(Image, 600UL << 30);

        Assert.Equal(3u * 2048, header.DataOffset);
        Check(Image);
        Assert.Equal(600UL << 30, Info(Image).Size);
        Sh.Run("qemu-io", "-f", "parallels", "-c", "read -P 0x11 0 1M", "-c", "read -P 0x22 1M 1M", "-c", "read -P 0x33 8M 1M",
            "-c", "read -P 0 2M 6M", "-c", "read -P 0 599G 1M", Image);
        Assert.Equal(3, PloopImage.AllocatedClusters(Image));
    }

    [Fact]
    public void Shrink_IsRefused()
    {
        PloopImage.Create(Image, 64UL << 20, Perms);

        var e = Assert.Throws<StorageException>(() => PloopImage.Grow(Image, 32UL << 20));

        Assert.Equal(ErrorCode.ConfigUnsupported, e.Code);
    }

    [Fact]
    public void Descriptor_DescribesTheImage_WithGeometryMultiplyingToTheSize()
    {
        var header = PloopImage.Create(Image, 3000UL << 20, Perms);
        PloopDescriptor.Write(_dir, header, "vol");

        var doc = XDocument.Load(Path.Combine(_dir, PloopDescriptor.FileName));
        var p = doc.Root!.Element("Disk_Parameters")!;
        ulong size = ulong.Parse(p.Element("Disk_size")!.Value);
        Assert.Equal(header.Sectors, size);
        Assert.Equal(size, ulong.Parse(p.Element("Cylinders")!.Value) * ulong.Parse(p.Element("Heads")!.Value) * ulong.Parse(p.Element("Sectors")!.Value));
        var storage = doc.Root.Element("StorageData")!.Element("Storage")!;
        Assert.Equal(("0", size.ToString(), "2048", "root.hds"),
            (storage.Element("Start")!.Value, storage.Element("End")!.Value, storage.Element("Blocksize")!.Value,
             storage.Element("Image")!.Element("File")!.Value));
        Assert.Equal(PloopDescriptor.TopGuid, doc.Root.Element("Snapshots")!.Element("TopGUID")!.Value);
        Assert.Equal(1, PloopDescriptor.SnapshotCount(_dir));

        var uid = p.Element("UID")!.Value;
        PloopDescriptor.Write(_dir, PloopImage.Grow(Image, 4000UL << 20), "vol");
        var again = XDocument.Load(Path.Combine(_dir, PloopDescriptor.FileName)).Root!.Element("Disk_Parameters")!;
        Assert.Equal(uid, again.Element("UID")!.Value);
        Assert.Equal((4000UL << 20) / 512, ulong.Parse(again.Element("Disk_size")!.Value));
    }
}
