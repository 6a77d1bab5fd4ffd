using System.Security.Cryptography;
using StorageFs.Backends.Tests.Fixtures;
using StorageFs.Core;
using StorageFs.Core.Backend;
using StorageFs.Core.Driver;
using StorageFs.Backends.Fs;

namespace StorageFs.Backends.Tests.Fs;

/// <summary>
/// Raw volume clones on real file systems (fs pools on loop devices): with the reflink flag on
/// xfs and btrfs the copy shares every extent with its source (FIEMAP's shared flag, read with
/// <c>filefrag -v</c>) also when it must be fully allocated, and a preallocated source costs no
/// new space (nothing is fallocated over the clone); on ext4 the reflink flag fails as
/// libvirt's does and a plain clone copies; on ext3 (no extents, so no fallocate) a fully
/// allocated copy fills only the holes with zeros and keeps the data.
/// </summary>
[Collection(DeviceCollection.Name)]
public sealed class CloneByFileSystemTests : IDisposable
{
    private const long Mib = 1L << 20;

    private readonly DeviceHarness _h = new(new FsPoolBackend());

    public void Dispose() => _h.Dispose();

    private string Target(string pool, string volume) => Path.Combine(_h.PoolPath(pool), volume);

    // An fs pool on a new loop device made with mkfs.<fs>, running.
    private void FsPool(string name, string fs, long bytes)
    {
        var disk = _h.Loop(bytes, name);
        string format = fs == "btrfs" ? "auto" : fs; // libvirt 9.0's fs formats have no btrfs
        if (fs == "btrfs")
        {
            Sh.Run("mkfs.btrfs", "-q", "-f", disk.Device);
        }
        _h.Driver.DefinePool($"<pool type='fs'><name>{name}</name><source><device path='{disk.Device}'/><format type='{format}'/></source>" +
                             $"<target><path>{_h.PoolPath(name)}</path></target></pool>");
        _h.Driver.BuildPool(name, fs == "btrfs" ? PoolBuildFlags.None : PoolBuildFlags.Overwrite);
        _h.Driver.StartPool(name);
    }

    // A raw volume of `mib` MiB: random data in its first half, a hole in the second.
    private byte[] SourceVolume(string pool, string name, int mib)
    {
        _h.Driver.CreateVolume(pool, $"<volume><name>{name}</name><capacity unit='MiB'>{mib}</capacity><allocation>0</allocation></volume>");
        var data = RandomNumberGenerator.GetBytes(mib * (int)Mib / 2);
        using (var f = new FileStream(Target(pool, name), FileMode.Open, FileAccess.Write))
        {
            f.Write(data);
            f.Flush(flushToDisk: true);
        }
        return data;
    }

    private static byte[] Read(string path, int bytes)
    {
        var buffer = new byte[bytes];
        using var f = File.OpenRead(path);
        f.ReadExactly(buffer);
        return buffer;
    }

    // filefrag -v rows: "   0:        0..    1023:      24576..     25599:   1024:             shared"
    private static (int Extents, int Shared) Fiemap(string path)
    {
        var rows = Sh.Run("filefrag", "-v", path).Split('\n')
            .Where(l => l.TrimStart().Length > 0 && char.IsDigit(l.TrimStart()[0]) && l.Contains(':', StringComparison.Ordinal))
            .ToList();
        return (rows.Count, rows.Count(r => r.Contains("shared", StringComparison.Ordinal)));
    }

    private static ulong AllocatedBytes(string path) =>
        ulong.Parse(Sh.Run("stat", "-c", "%b", path).Trim(), System.Globalization.CultureInfo.InvariantCulture) * 512;

    [DeviceTheory("mkfs.xfs", "mkfs.btrfs", "blkid", "filefrag")]
    [InlineData("xfs")]
    [InlineData("btrfs")]
    public void Reflink_FullyAllocatedClone_SharesEveryExtentOfTheSource_AndAllocatesOnlyTheGrownTail(string fs)
    {
        FsPool("p", fs, 320 * Mib);
        var data = SourceVolume("p", "a", 32);
        var (sourceExtents, _) = Fiemap(Target("p", "a"));
        Assert.True(sourceExtents > 0);

        // No <allocation>: fully allocated, as libvirt's vol-clone makes it; 40 MiB grows the copy.
        var job = _h.Driver.StartCloneVolume("p", "<volume><name>b</name><capacity unit='MiB'>40</capacity></volume>", "p", "a", VolumeCreateFlags.Reflink);
        job.Wait();

        Assert.Equal(JobStatus.Succeeded, job.Status);
        Assert.Equal(job.TotalBytes, job.DoneBytes);
        Assert.Equal(40 * Mib, new FileInfo(Target("p", "b")).Length);
        Assert.Equal(data, Read(Target("p", "b"), data.Length));
        var (extents, shared) = Fiemap(Target("p", "b"));
        // Every extent holding the source's data is still shared; the grown tail is allocated.
        Assert.True(shared >= sourceExtents, $"{shared} of {extents} extents shared, the source has {sourceExtents}\n{Sh.Run("filefrag", "-v", Target("p", "b"))}");
        Assert.True(AllocatedBytes(Target("p", "b")) >= (ulong)(data.Length + 8 * Mib), "the 8 MiB grown tail is not allocated");
        var source = Fiemap(Target("p", "a"));
        Assert.Equal(source.Extents, source.Shared);

        // A preallocated source (fallocate: unwritten extents, which xfs's FICLONE does not
        // share): the fully allocated reflink copy takes no new space — a fallocate after the
        // clone would allocate all 32 MiB again.
        _h.Driver.CreateVolume("p", "<volume><name>f</name><capacity unit='MiB'>32</capacity></volume>");
        _h.Driver.RefreshPool("p");
        ulong before = _h.Driver.GetPoolInfo("p").Allocation;
        _h.Driver.CloneVolume("p", "<volume><name>g</name></volume>", "p", "f", VolumeCreateFlags.Reflink);
        _h.Driver.RefreshPool("p");
        Assert.True(_h.Driver.GetPoolInfo("p").Allocation < before + 4 * (ulong)Mib,
            $"pool allocation grew from {before} to {_h.Driver.GetPoolInfo("p").Allocation}");
        Assert.Equal(32 * Mib, new FileInfo(Target("p", "g")).Length);
        _h.Driver.StopPool("p");
    }

    [DeviceFact("mkfs.ext4", "blkid", "filefrag")]
    public void Ext4_ReflinkFails_AsLibvirts_AndAPlainCloneCopies()
    {
        FsPool("e", "ext4", 64 * Mib);
        var data = SourceVolume("e", "a", 16);

        var e = Assert.Throws<StorageException>(() =>
            _h.Driver.CloneVolume("e", "<volume><name>b</name></volume>", "e", "a", VolumeCreateFlags.Reflink));

        Assert.StartsWith($"cannot share the blocks of '{Target("e", "a")}' (FICLONE: ", e.Message, StringComparison.Ordinal);
        Assert.Contains("write 'copy' to copy instead", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Target("e", "b")));
        Assert.DoesNotContain("b", _h.Driver.ListVolumes("e").Select(v => v.Name));

        _h.Driver.CloneVolume("e", "<volume><name>c</name></volume>", "e", "a");
        Assert.Equal(data, Read(Target("e", "c"), data.Length));
        Assert.Equal(0, Fiemap(Target("e", "c")).Shared);
        Assert.True(AllocatedBytes(Target("e", "c")) >= 16UL * (ulong)Mib, "a clone without <allocation> is fully allocated");
        _h.Driver.StopPool("e");
    }

    [DeviceFact("mkfs.xfs", "mkfs.ext4", "blkid", "qemu-img")]
    public void AcrossPools_XfsToExt4_ReflinkFailsWithEXDEV_ACopyAndAConversionWork_WithProgress()
    {
        FsPool("x", "xfs", 320 * Mib);
        FsPool("e", "ext4", 64 * Mib);
        var data = SourceVolume("x", "a", 8);

        var e = Assert.Throws<StorageException>(() =>
            _h.Driver.CloneVolume("e", "<volume><name>b</name></volume>", "x", "a", VolumeCreateFlags.Reflink));
        Assert.StartsWith($"cannot share the blocks of '{Target("x", "a")}' (FICLONE: EXDEV)", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Target("e", "b")));

        var copy = _h.Driver.StartCloneVolume("e", "<volume><name>c</name><allocation>0</allocation></volume>", "x", "a");
        copy.Wait();
        Assert.Equal((8UL * (ulong)Mib, 8UL * (ulong)Mib), (copy.TotalBytes, copy.DoneBytes));
        Assert.Equal(data, Read(Target("e", "c"), data.Length));
        Assert.True(AllocatedBytes(Target("e", "c")) <= (ulong)(data.Length + Mib), "the hole of the source was written");

        var convert = _h.Driver.StartCloneVolume("e", "<volume><name>c.qcow2</name><target><format type='qcow2'/></target></volume>", "x", "a");
        convert.Wait();
        Assert.Equal(convert.TotalBytes, convert.DoneBytes);
        Assert.Equal("qcow2", _h.Driver.GetVolumeInfo("e", "c.qcow2").Format);
        _h.Driver.StopPool("e");
        _h.Driver.StopPool("x");
    }

    [DeviceFact("mkfs.ext3", "blkid")]
    public void Ext3_WithoutFallocate_FullyAllocatedClone_FillsOnlyTheHoles()
    {
        // ext3 files have no extents: fallocate(2) fails with EOPNOTSUPP, and the copy falls
        // back to writing zeros — into the holes only.
        FsPool("t", "ext3", 64 * Mib);
        var data = SourceVolume("t", "a", 16);

        _h.Driver.CloneVolume("t", "<volume><name>b</name><capacity unit='MiB'>20</capacity></volume>", "t", "a");

        Assert.Equal(data, Read(Target("t", "b"), data.Length));
        Assert.Equal(new byte[12 * Mib], File.ReadAllBytes(Target("t", "b"))[data.Length..]);
        Assert.True(AllocatedBytes(Target("t", "b")) >= 20UL * (ulong)Mib, "the holes were not filled");

        _h.Driver.ResizeVolume("t", "b", 24UL * (ulong)Mib, VolumeResizeFlags.Allocate);
        Assert.Equal(data, Read(Target("t", "b"), data.Length));
        Assert.True(AllocatedBytes(Target("t", "b")) >= 24UL * (ulong)Mib);
        _h.Driver.StopPool("t");
    }
}
