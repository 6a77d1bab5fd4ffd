using System.Globalization;
using StorageFs.Backends.Files;
using StorageFs.Core;

namespace StorageFs.Backends.Tests;

public sealed class FileFactsTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Stat_ASparseFile_HasItsSizeAsSizeAndAlmostNothingAllocated()
    {
        Shell.Run("truncate", "-s", "10M", _dir["sparse.img"]);

        FileStatus status = FileFacts.Stat(_dir["sparse.img"]);

        Assert.Equal((FileKind.Regular, 10L << 20), (status.Kind, status.Size));
        Assert.True(status.Allocation < 1 << 20);
        Assert.True(status.IsSparse);
    }

    [Fact]
    public void Stat_AllocationIsStBlocksTimes512_AsStatPrintsIt()
    {
        File.WriteAllBytes(_dir["full.img"], new byte[300_000]);
        using (var f = new FileStream(_dir["full.img"], FileMode.Open))
        {
            f.Flush(flushToDisk: true);
        }

        string[] stat = Shell.Run("stat", "-c", "%b %B %s %u %g %a %i %h", _dir["full.img"]).Split(' ');
        FileStatus status = FileFacts.Stat(_dir["full.img"]);

        Assert.Equal(long.Parse(stat[0], CultureInfo.InvariantCulture) * long.Parse(stat[1], CultureInfo.InvariantCulture), status.Allocation);
        Assert.Equal(300_000, status.Size);
        Assert.False(status.IsSparse);
        Assert.Equal(stat[5].Trim(), Convert.ToString((int)status.Mode, 8));
        Assert.Equal((uint.Parse(stat[3], CultureInfo.InvariantCulture), uint.Parse(stat[4], CultureInfo.InvariantCulture)), (status.Uid, status.Gid));
        Assert.Equal(ulong.Parse(stat[6], CultureInfo.InvariantCulture), status.Inode);
        Assert.Equal(1u, status.LinkCount);
        Assert.InRange(status.ModifyTime, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(1));
    }

    [Fact]
    public void Stat_OfASymlink_FollowsUnlessAskedNotTo()
    {
        Directory.CreateDirectory(_dir["target"]);
        File.CreateSymbolicLink(_dir["link"], _dir["target"]);

        Assert.Equal(FileKind.Directory, FileFacts.Stat(_dir["link"]).Kind);
        Assert.Equal(FileKind.Symlink, FileFacts.Stat(_dir["link"], followSymlinks: false).Kind);
    }

    [Fact]
    public void Stat_OfAMissingFile_FailsWithLibvirtsMessageAndENOENT()
    {
        var e = Assert.Throws<StorageException>(() => FileFacts.Stat(_dir["missing"]));

        Assert.Equal($"cannot stat file '{_dir["missing"]}': No such file or directory", e.Message);
        Assert.Equal(2, e.OsErrno);
    }

    [Fact]
    public void GetPoolSpace_UsesFragmentSizeTimesBlocksAndFreeBlocks_AsLibvirt()
    {
        // stat -f: %S fundamental block size (f_frsize), %b total blocks, %f free blocks (f_bfree).
        string[] f = Shell.Run("stat", "-f", "-c", "%S %b %f", _dir.Path).Trim().Split(' ');
        ulong frsize = ulong.Parse(f[0], CultureInfo.InvariantCulture);

        PoolSpace space = FileFacts.GetPoolSpace(_dir.Path);

        Assert.Equal(frsize * ulong.Parse(f[1], CultureInfo.InvariantCulture), space.Capacity);
        Assert.InRange(space.Available, frsize * ulong.Parse(f[2], CultureInfo.InvariantCulture) - (64UL << 20), frsize * ulong.Parse(f[2], CultureInfo.InvariantCulture) + (64UL << 20));
        Assert.Equal(space.Capacity - space.Available, space.Allocation);
    }

    [Fact]
    public void GetPoolSpace_OfAMissingDirectory_FailsWithENOENT()
    {
        var e = Assert.Throws<StorageException>(() => FileFacts.GetPoolSpace(_dir["missing"]));

        Assert.Equal(2, e.OsErrno);
        Assert.StartsWith("cannot statvfs path", e.Message, StringComparison.Ordinal);
    }
}
