using StorageFs.Backends.Tests.Fixtures;
using StorageFs.Core;
using StorageFs.Core.Backend;
using StorageFs.Backends.Dir;
using StorageFs.Backends.Disk;
using StorageFs.Backends.HostTools;

namespace StorageFs.Backends.Tests.Disk;

/// <summary>
/// disk pools on loop devices, for real: parted writes the tables and, through BLKPG, makes
/// the loopNpM nodes this kernel (no partition parsers) would not make; volumes are those
/// nodes, with data read, written, wiped and cloned on them.
/// </summary>
[Collection(DeviceCollection.Name)]
public sealed class DiskPoolTests : IDisposable
{
    private readonly DeviceHarness _h = new(new DiskPoolBackend(), new DirPoolBackend());

    public void Dispose() => _h.Dispose();

    private static string Pool(string name, string device, string format) =>
        $"<pool type='disk'><name>{name}</name><source><device path='{device}'/><format type='{format}'/></source>" +
        "<target><path>/dev</path></target></pool>";

    private static string Vol(string name, ulong mib, string? format = null) =>
        $"<volume><name>{name}</name><capacity unit='MiB'>{mib}</capacity>" +
        (format is null ? "" : $"<target><format type='{format}'/></target>") + "</volume>";

    private static string Base(LoopDevice d) => Path.GetFileName(d.Device);

    [DeviceFact("parted", "blkid", "partx")]
    public void CapacityZero_TakesTheLargestExtent_AndTheLeaseCutsItWhileOpen_KeepingItsBytes()
    {
        var disk = _h.Loop(64L << 20);
        _h.Driver.DefinePool(Pool("d", disk.Device, "gpt"));
        _h.Driver.BuildPool("d", PoolBuildFlags.NoOverwrite);
        _h.Driver.StartPool("d");
        var p1 = Base(disk) + "p1";

        var made = _h.Driver.CreateVolume("d", $"<volume><name>{p1}</name><capacity unit='bytes'>0</capacity></volume>");
        // Everything from 1 MiB to the backup GPT: more than 60 MiB.
        Assert.True(made.Capacity > (60UL << 20), $"capacity {made.Capacity}");
        var data = new byte[3 << 20];
        new Random(3).NextBytes(data);
        using (var lease = _h.Driver.OpenVolume("d", p1, VolumeAccessMode.Write))
        {
            var fd = lease.Data.TakeDescriptor();
            RandomAccess.Write(fd, data, 0);
            // The partition is open (BLKPG resize works on an open partition; delete would not).
            var cut = lease.Resize((ulong)data.Length);
            Assert.Equal((ulong)data.Length, cut.Capacity);
            Assert.Equal((ulong)data.Length, BlockDevice.SizeOf(disk.Device + "p1"));
            fd.Dispose();
        }
        Assert.Equal((ulong)data.Length, _h.Driver.GetVolumeInfo("d", p1).Capacity);
        var back = new byte[data.Length];
        using (var r = _h.Driver.OpenVolume("d", p1, VolumeAccessMode.Read).AsStream())
        {
            r.ReadExactly(back);
        }
        Assert.Equal(data, back);

        // Growing goes through the driver's resize (libvirt's disk pools have none).
        _h.Driver.ResizeVolume("d", p1, 8UL << 20);
        Assert.Equal(8UL << 20, BlockDevice.SizeOf(disk.Device + "p1"));
        // Past the free space after it: ENOSPC, nothing changed.
        var e = Assert.Throws<StorageException>(() => _h.Driver.ResizeVolume("d", p1, 1UL << 30));
        Assert.Equal(28, e.OsErrno);
        Assert.Equal(8UL << 20, BlockDevice.SizeOf(disk.Device + "p1"));
        _h.Driver.StopPool("d");
    }

    [DeviceFact("parted", "blkid", "partx")]
    public void Gpt_BuildStartCreateWriteReadWipeDelete_OnRealPartitionNodes()
    {
        var disk = _h.Loop(128L << 20);
        _h.Driver.DefinePool(Pool("d", disk.Device, "gpt"));
        _h.Driver.BuildPool("d", PoolBuildFlags.NoOverwrite);
        _h.Driver.StartPool("d");
        Assert.Equal(128UL << 20, _h.Driver.GetPoolInfo("d").Capacity);

        var p1 = Base(disk) + "p1";
        var vol = _h.Driver.CreateVolume("d", Vol(p1, 16));
        Assert.Equal(16UL << 20, vol.Capacity);
        Assert.True(BlockDevice.Exists(disk.Device + "p1"));
        Assert.Equal(16UL << 20, BlockDevice.SizeOf(disk.Device + "p1"));
        var xml = _h.Driver.GetVolumeXml("d", p1);
        Assert.Contains("<volume type='block'>", xml, StringComparison.Ordinal);
        Assert.Contains($"<extent start='1048576' end='{(1 << 20) + (16 << 20)}'/>", xml, StringComparison.Ordinal);
        Assert.Equal(16UL << 20, _h.Driver.GetPoolInfo("d").Allocation);

        var data = new byte[4096];
        new Random(7).NextBytes(data);
        using (var w = _h.Driver.OpenVolume("d", p1, VolumeAccessMode.Write).AsStream())
        {
            w.Write(data);
        }
        var back = new byte[4096];
        using (var r = _h.Driver.OpenVolume("d", p1, VolumeAccessMode.Read).AsStream())
        {
            Assert.Equal(16L << 20, r.Length);
            r.ReadExactly(back);
        }
        Assert.Equal(data, back);

        _h.Driver.WipeVolume("d", p1, WipeAlgorithm.Zero);
        using (var r = _h.Driver.OpenVolume("d", p1, VolumeAccessMode.Read).AsStream())
        {
            r.ReadExactly(back);
        }
        Assert.All(back, b => Assert.Equal(0, b));

        _h.Driver.CreateVolume("d", Vol(Base(disk) + "p2", 8));
        _h.Driver.DeleteVolume("d", p1);
        Assert.False(File.Exists(disk.Device + "p1"));
        Assert.True(BlockDevice.Exists(disk.Device + "p2"));
        Assert.Equal([Base(disk) + "p2"], _h.Driver.ListVolumes("d").Select(v => v.Name));

        // The freed slot is reused: the next partition is number 1 again.
        _h.Driver.CreateVolume("d", Vol(p1, 4));
        _h.Driver.StopPool("d");
        _h.Driver.DeletePool("d");
        Assert.Equal(2, Sh.Try("blkid", "-p", disk.Device).Code);
        Assert.False(File.Exists(disk.Device + "p1"));
    }

    [DeviceFact("parted", "blkid", "partx")]
    public void CreateVolume_WithAnotherName_IsRefusedBeforeTheDiskIsTouched()
    {
        var disk = _h.Loop(32L << 20);
        _h.Driver.DefinePool(Pool("d", disk.Device, "gpt"));
        _h.Driver.BuildPool("d");
        _h.Driver.StartPool("d");

        var e = Assert.Throws<StorageException>(() => _h.Driver.CreateVolume("d", Vol("data", 4)));

        Assert.Equal($"invalid argument: invalid partition name 'data', expected '{Base(disk)}p1'", e.Message);
        Assert.Empty(PartedTable.Parse(Sh.Run("parted", "-s", "-m", disk.Device, "unit", "B", "print", "free")).Partitions);
    }

    [DeviceFact("parted", "blkid", "partx")]
    public void Dos_FourthSlotExtended_ThenLogicalPartitions()
    {
        var disk = _h.Loop(64L << 20);
        _h.Driver.DefinePool(Pool("d", disk.Device, "dos"));
        _h.Driver.BuildPool("d");
        _h.Driver.StartPool("d");
        var b = Base(disk);
        _h.Driver.CreateVolume("d", Vol(b + "p1", 4));
        _h.Driver.CreateVolume("d", Vol(b + "p2", 4, "linux-swap"));
        _h.Driver.CreateVolume("d", Vol(b + "p3", 4));
        _h.Driver.CreateVolume("d", Vol(b + "p4", 40, "extended"));
        _h.Driver.CreateVolume("d", Vol(b + "p5", 8));
        _h.Driver.CreateVolume("d", Vol(b + "p6", 8));

        var xml = _h.Driver.GetVolumeXml("d", b + "p4");
        Assert.Contains("<format type='extended'/>", xml, StringComparison.Ordinal);
        Assert.Equal(16UL << 20, _h.Driver.GetVolumeInfo("d", b + "p4").Allocation);
        Assert.Equal(28UL << 20, _h.Driver.GetPoolInfo("d").Allocation);
        Assert.True(BlockDevice.Exists(disk.Device + "p6"));
        var wipe = Assert.Throws<StorageException>(() => _h.Driver.WipeVolume("d", b + "p4"));
        Assert.Contains("extended partition", wipe.Message, StringComparison.Ordinal);

        _h.Driver.DeleteVolume("d", b + "p6");
        _h.Driver.DeleteVolume("d", b + "p5");
        _h.Driver.DeleteVolume("d", b + "p4");
        Assert.Equal(3, _h.Driver.ListVolumes("d").Count);
    }

    [DeviceFact("parted", "blkid", "mkfs.ext4")]
    public void Build_NoOverwrite_RefusesLabelsAndFileSystems_OverwriteRelabels()
    {
        var disk = _h.Loop(32L << 20);
        Sh.Run("parted", "-s", disk.Device, "mklabel", "gpt");
        _h.Driver.DefinePool(Pool("d", disk.Device, "gpt"));
        var same = Assert.Throws<StorageException>(() => _h.Driver.BuildPool("d", PoolBuildFlags.NoOverwrite));
        Assert.Equal($"Storage pool already built: Device '{disk.Device}' already formatted using 'gpt'", same.Message);
        _h.Driver.StartPool("d");
        _h.Driver.StopPool("d");
        _h.Driver.UndefinePool("d");

        _h.Driver.DefinePool(Pool("d", disk.Device, "dos"));
        var other = Assert.Throws<StorageException>(() => _h.Driver.BuildPool("d"));
        Assert.Equal($"Storage pool probe failed: Format of device '{disk.Device}' does not match the expected format 'dos', forced overwrite is necessary", other.Message);
        var start = Assert.Throws<StorageException>(() => _h.Driver.StartPool("d"));
        Assert.Equal($"Storage pool probe failed: Format of device '{disk.Device}' does not match the expected format 'dos'", start.Message);
        _h.Driver.BuildPool("d", PoolBuildFlags.Overwrite);
        Assert.Equal("dos", DeviceProbe.Probe(ProcessCommandRunner.Default, disk.Device)["PTTYPE"]);

        var fs = _h.Loop(32L << 20, "fs");
        Sh.Run("mkfs.ext4", "-q", "-F", fs.Device);
        _h.Driver.DefinePool(Pool("f", fs.Device, "gpt"));
        Assert.Throws<StorageException>(() => _h.Driver.BuildPool("f", PoolBuildFlags.NoOverwrite));
        Assert.Equal("ext4", DeviceProbe.Probe(ProcessCommandRunner.Default, fs.Device)["TYPE"]);
    }

    [DeviceFact("parted", "blkid")]
    public void Start_OnAnEmptyDisk_AsksForABuild()
    {
        var disk = _h.Loop(16L << 20);
        _h.Driver.DefinePool(Pool("d", disk.Device, "gpt"));

        var e = Assert.Throws<StorageException>(() => _h.Driver.StartPool("d"));

        Assert.Equal($"Storage pool probe failed: Device '{disk.Device}' is unrecognized, requires build", e.Message);
    }

    [DeviceFact("parted", "blkid", "partx")]
    public void Refresh_BringsBackAPartitionNodeThatVanished()
    {
        var disk = _h.Loop(32L << 20);
        _h.Driver.DefinePool(Pool("d", disk.Device, "gpt"));
        _h.Driver.BuildPool("d");
        _h.Driver.StartPool("d");
        _h.Driver.CreateVolume("d", Vol(Base(disk) + "p1", 4));
        Sh.Run("partx", "-d", "--nr", "1", disk.Device);
        Assert.False(File.Exists(disk.Device + "p1"));

        _h.Driver.RefreshPool("d");

        Assert.True(BlockDevice.Exists(disk.Device + "p1"));
    }

    [DeviceFact("parted", "blkid", "partx")]
    public void Clone_ARawFileFromADirPool_OntoANewPartition()
    {
        var disk = _h.Loop(32L << 20);
        _h.Driver.DefinePool(Pool("d", disk.Device, "gpt"));
        _h.Driver.BuildPool("d");
        _h.Driver.StartPool("d");
        _h.Driver.DefinePool($"<pool type='dir'><name>files</name><target><path>{_h.PoolPath("files")}</path></target></pool>");
        _h.Driver.BuildPool("files");
        _h.Driver.StartPool("files");
        var content = new byte[1 << 20];
        new Random(3).NextBytes(content);
        File.WriteAllBytes(Path.Combine(_h.PoolPath("files"), "img"), content);
        _h.Driver.RefreshPool("files");

        _h.Driver.CloneVolume("d", Vol(Base(disk) + "p1", 2), "files", "img");

        var back = new byte[2 << 20];
        using (var r = _h.Driver.OpenVolume("d", Base(disk) + "p1", VolumeAccessMode.Read).AsStream())
        {
            r.ReadExactly(back);
        }
        Assert.Equal(content, back[..content.Length]);
        Assert.All(back[content.Length..], b => Assert.Equal(0, b));
    }

    [DeviceFact("parted")]
    public void SecondPool_OnTheSameDisk_IsRefused_EvenThroughASymlink()
    {
        var disk = _h.Loop(16L << 20);
        _h.Driver.DefinePool(Pool("d", disk.Device, "gpt"));
        var link = Path.Combine(_h.Root, "disk-link");
        File.CreateSymbolicLink(link, disk.Device);

        var e = Assert.Throws<StorageException>(() => _h.Driver.DefinePool(Pool("d2", link, "dos")));

        Assert.Equal("operation failed: Storage source conflict with pool: 'd'", e.Message);
    }
}
