using System.Text.Json;
using StorageFs.Backends.Tests.Fixtures;
using StorageFs.Core.Backend;
using StorageFs.Core.Driver;
using StorageFs.Backends.Dir;
using StorageFs.Backends.Disk;

namespace StorageFs.Backends.Tests.Disk;

/// <summary>
/// Data operations on block volumes (partitions of a disk pool on a loop device), through jobs:
/// every libvirt wipe algorithm overwrites exactly its partition and reports its bytes; clones
/// between partitions and from a partition into a dir pool (raw, sparse where the partition
/// reads zeros, and qcow2 through qemu-img convert) copy the data with progress.
/// </summary>
[Collection(DeviceCollection.Name)]
public sealed class BlockVolumeDataTests : IDisposable
{
    private const int Mib = 1 << 20;

    private readonly DeviceHarness _h = new(new DiskPoolBackend(), new DirPoolBackend());

    public void Dispose() => _h.Dispose();

    // A running gpt disk pool "d" with partitions p1 (2 MiB) and p2 (2 MiB) filled with 0xAB and 0xCD.
    private (string P1, string P2) DiskWithTwoFilledPartitions()
    {
        var disk = _h.Loop(16L * Mib);
        _h.Driver.DefinePool($"<pool type='disk'><name>d</name><source><device path='{disk.Device}'/><format type='gpt'/></source><target><path>/dev</path></target></pool>");
        _h.Driver.BuildPool("d", PoolBuildFlags.Overwrite);
        _h.Driver.StartPool("d");
        string b = Path.GetFileName(disk.Device);
        foreach (var (n, fill) in new[] { (b + "p1", (byte)0xAB), (b + "p2", (byte)0xCD) })
        {
            _h.Driver.CreateVolume("d", $"<volume><name>{n}</name><capacity unit='MiB'>2</capacity></volume>");
            using var w = _h.Driver.OpenVolume("d", n, VolumeAccessMode.Write).AsStream();
            w.Write(Enumerable.Repeat(fill, 2 * Mib).ToArray());
        }
        return (b + "p1", b + "p2");
    }

    private byte[] ReadVolume(string pool, string volume)
    {
        using var r = _h.Driver.OpenVolume(pool, volume, VolumeAccessMode.Read).AsStream();
        var buffer = new byte[r.Length];
        r.ReadExactly(buffer);
        return buffer;
    }

    private static void Succeeds(StorageJob job)
    {
        job.Wait();
        Assert.Equal(JobStatus.Succeeded, job.Status);
        Assert.True(job.TotalBytes > 0, "the job never set its total");
        Assert.Equal(job.TotalBytes, job.DoneBytes);
    }

    public static TheoryData<WipeAlgorithm> Algorithms() => [.. Enum.GetValues<WipeAlgorithm>()];

    [DeviceTheory("parted", "blkid", "partx")]
    [MemberData(nameof(Algorithms))]
    public void Wipe_EveryAlgorithm_OverwritesItsPartitionOnly_AndReportsProgress(WipeAlgorithm algorithm)
    {
        var (p1, p2) = DiskWithTwoFilledPartitions();

        Succeeds(_h.Driver.StartWipeVolume("d", p1, algorithm));

        var wiped = ReadVolume("d", p1);
        Assert.Equal(2 * Mib, wiped.Length);
        int left = wiped.Count(x => x == 0xAB);
        if (algorithm is WipeAlgorithm.Zero or WipeAlgorithm.Trim)
        {
            Assert.All(wiped, x => Assert.Equal(0, x));
        }
        else
        {
            // Random final passes leave ~1/256 of the bytes equal to anything by chance.
            Assert.True(left < wiped.Length / 64, $"{left} bytes of the old fill survived {algorithm}");
        }
        Assert.All(ReadVolume("d", p2), x => Assert.Equal(0xCD, x));
    }

    [DeviceFact("parted", "blkid", "partx", "qemu-img")]
    public void Clone_PartitionToPartition_AndIntoADirPool_AsRawAndQcow2_WithProgress()
    {
        var (p1, _) = DiskWithTwoFilledPartitions();
        using (var w = _h.Driver.OpenVolume("d", p1, VolumeAccessMode.Write).AsStream())
        {
            w.Seek(Mib, SeekOrigin.Begin);
            w.Write(new byte[Mib]); // second MiB reads zeros: a sparse copy leaves it a hole
        }
        var expected = ReadVolume("d", p1);
        string p3 = p1[..^1] + "3";
        _h.Driver.DefinePool($"<pool type='dir'><name>files</name><target><path>{_h.PoolPath("files")}</path></target></pool>");
        _h.Driver.BuildPool("files");
        _h.Driver.StartPool("files");

        Succeeds(_h.Driver.StartCloneVolume("d", $"<volume><name>{p3}</name><capacity unit='MiB'>2</capacity></volume>", "d", p1));
        Assert.Equal(expected, ReadVolume("d", p3));

        Succeeds(_h.Driver.StartCloneVolume("files", "<volume><name>part.raw</name><allocation>0</allocation></volume>", "d", p1));
        string raw = Path.Combine(_h.PoolPath("files"), "part.raw");
        Assert.Equal(expected, File.ReadAllBytes(raw));
        Assert.True(BackendFixtureAllocated(raw) <= Mib + 65536, "the zero MiB was written instead of left a hole");

        Succeeds(_h.Driver.StartCloneVolume("files", "<volume><name>part.qcow2</name><target><format type='qcow2'/></target></volume>", "d", p1));
        string qcow2 = Path.Combine(_h.PoolPath("files"), "part.qcow2");
        using var info = JsonDocument.Parse(Sh.Run("qemu-img", "info", "--output=json", qcow2));
        Assert.Equal(("qcow2", 2L * Mib), (info.RootElement.GetProperty("format").GetString(), info.RootElement.GetProperty("virtual-size").GetInt64()));
        string back = Path.Combine(_h.Root, "back.raw");
        Sh.Run("qemu-img", "convert", "-f", "qcow2", "-O", "raw", qcow2, back);
        Assert.Equal(expected, File.ReadAllBytes(back));
    }

    private static long BackendFixtureAllocated(string path) =>
        long.Parse(Sh.Run("stat", "-c", "%b", path).Trim(), System.Globalization.CultureInfo.InvariantCulture) * 512;
}
