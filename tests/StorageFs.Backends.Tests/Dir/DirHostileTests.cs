using StorageFs.Core;
using StorageFs.Core.Backend;
using StorageFs.Core.Driver;

namespace StorageFs.Backends.Tests.Dir;

/// <summary>Things in or aimed at a dir pool that must not reach outside it: symlinks pointing
/// out, names with "..", huge documents.</summary>
public sealed class DirHostileTests : IDisposable
{
    private readonly BackendFixture _fx = new();
    private readonly string _secret;
    private readonly string _link;

    public DirHostileTests()
    {
        _fx.RunningPool("p");
        _secret = Path.Combine(_fx.Outside, "secret.img");
        File.WriteAllText(_secret, "precious bytes outside the pool");
        _link = Path.Combine(_fx.PoolPath("p"), "escape.img");
        File.CreateSymbolicLink(_link, _secret);
        _fx.Driver.RefreshPool("p");
    }

    public void Dispose() => _fx.Dispose();

    [Fact]
    public void SymlinkPointingOutside_IsListed_NotFollowed_AndDegradesThePool()
    {
        var vol = _fx.Driver.GetVolumeInfo("p", "escape.img");
        Assert.Equal(("none", 0UL), (vol.Format, vol.Capacity));
        var info = _fx.Driver.GetPoolInfo("p");
        Assert.Equal(PoolState.Degraded, info.State);
        Assert.Contains(info.Problems, p => p.Contains("outside the pool", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("wipe")]
    [InlineData("trim")]
    [InlineData("resize")]
    [InlineData("upload")]
    [InlineData("download")]
    [InlineData("clone")]
    public void SymlinkPointingOutside_IsNeverWrittenOrReadThrough(string op)
    {
        var e = Assert.Throws<StorageException>(() =>
        {
            switch (op)
            {
                case "wipe":
                    _fx.Driver.WipeVolume("p", "escape.img", WipeAlgorithm.Dod);
                    break;
                case "trim":
                    _fx.Driver.WipeVolume("p", "escape.img", WipeAlgorithm.Trim);
                    break;
                case "resize":
                    _fx.Driver.ResizeVolume("p", "escape.img", 1 << 20);
                    break;
                case "upload":
                    _fx.Driver.OpenVolume("p", "escape.img", VolumeAccessMode.Write).Dispose();
                    break;
                case "download":
                    _fx.Driver.OpenVolume("p", "escape.img", VolumeAccessMode.Read).Dispose();
                    break;
                default:
                    _fx.Driver.CloneVolume("p", "<volume><name>stolen</name><capacity>64</capacity></volume>", "p", "escape.img");
                    break;
            }
        });
        Assert.True(e.Code is ErrorCode.OperationDenied or ErrorCode.ConfigUnsupported, e.Message);
        Assert.Equal("precious bytes outside the pool", File.ReadAllText(_secret));
        Assert.False(File.Exists(Path.Combine(_fx.PoolPath("p"), "stolen")));
        Assert.Equal(0, _fx.Driver.GetVolumeInfo("p", "escape.img").InUse);
    }

    /// <summary>Whoever can write a directory on a running pool's path swaps the
    /// pool's directory for a link to another directory holding a file of the volume's name, and
    /// back, as fast as it can while root wipes and resizes, so some swaps land between the
    /// driver's check of the target and the backend's open. Nothing may reach the other
    /// directory (with the file opened by its path, O_NOFOLLOW on the last component only, the
    /// wipe zeroed it within a second).</summary>
    [Fact]
    public void PoolDirectorySwappedForALink_WhileRootWipes_IsNeverWrittenThrough()
    {
        _fx.Driver.CreateVolume("p", BackendFixture.Raw("v.img", 4096));
        string victim = Path.Combine(_fx.Data, "victim");
        Directory.CreateDirectory(victim);
        string precious = Path.Combine(victim, "v.img");
        File.WriteAllText(precious, "precious bytes of another directory");
        string pool = _fx.PoolPath("p"), real = pool + ".real";
        using var stop = new CancellationTokenSource();
        var swapper = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                Directory.Move(pool, real);
                Directory.CreateSymbolicLink(pool, victim);
                Thread.SpinWait(200);
                File.Delete(pool);
                Directory.Move(real, pool);
            }
        });
        var until = DateTime.UtcNow.AddSeconds(3);
        int tries = 0;
        while (DateTime.UtcNow < until)
        {
            tries++;
            try
            {
                if (tries % 2 == 0)
                    _fx.Driver.WipeVolume("p", "v.img", WipeAlgorithm.Zero);
                else
                    _fx.Driver.ResizeVolume("p", "v.img", 4096 + (ulong)(tries % 7) * 512);
            }
            catch (StorageException)
            {
                // refused while swapped: that is the point
            }
        }
        stop.Cancel();
        swapper.Wait();
        Assert.True(tries > 50, $"only {tries} tries");
        Assert.Equal("precious bytes of another directory", File.ReadAllText(precious));
    }

    [Fact]
    public void DeletingTheSymlinkVolume_RemovesOnlyTheLink()
    {
        _fx.Driver.DeleteVolume("p", "escape.img");
        Assert.False(File.Exists(_link) || Directory.Exists(_link) || new FileInfo(_link).LinkTarget is not null);
        Assert.Equal("precious bytes outside the pool", File.ReadAllText(_secret));
    }

    [Fact]
    public void SymlinkToAFileInsideThePool_IsFollowed()
    {
        _fx.Driver.CreateVolume("p", BackendFixture.Raw("real", 4096));
        File.CreateSymbolicLink(Path.Combine(_fx.PoolPath("p"), "alias"), Path.Combine(_fx.PoolPath("p"), "real"));
        _fx.Driver.RefreshPool("p");
        Assert.Equal(4096UL, _fx.Driver.GetVolumeInfo("p", "alias").Capacity);
        _fx.Driver.WipeVolume("p", "alias");
    }

    [Fact]
    public void OpeningASymlinkToAFileInsideThePool_GivesThatFilesDescriptor()
    {
        _fx.Driver.CreateVolume("p", BackendFixture.Raw("real", 4096));
        File.WriteAllText(Path.Combine(_fx.PoolPath("p"), "real"), "inside");
        File.CreateSymbolicLink(Path.Combine(_fx.PoolPath("p"), "alias"), Path.Combine(_fx.PoolPath("p"), "real"));
        _fx.Driver.RefreshPool("p");
        using var opened = _fx.Driver.OpenVolume("p", "alias", VolumeAccessMode.Read);
        Assert.True(opened.Data.HasDescriptor);
        using var fd = opened.Data.TakeDescriptor();
        var buffer = new byte[16];
        Assert.Equal("inside", System.Text.Encoding.ASCII.GetString(buffer, 0, RandomAccess.Read(fd, buffer, 0)));
    }

    [Fact]
    public void AFifoSwappedInForAVolume_IsRefusedWithoutBlocking()
    {
        _fx.Driver.CreateVolume("p", BackendFixture.Raw("v", 4096));
        string path = Path.Combine(_fx.PoolPath("p"), "v");
        File.Delete(path);
        Assert.Equal(0, Mkfifo(path, 0x1B6));
        var open = Task.Run(() => Assert.Throws<StorageException>(() => _fx.Driver.OpenVolume("p", "v", VolumeAccessMode.Read)));
        Assert.True(open.Wait(TimeSpan.FromSeconds(30)), "opening a FIFO volume blocked");
        Assert.Contains("not a regular file", open.Result.Message, StringComparison.Ordinal);
        Assert.Equal(0, Assert.Single(_fx.Driver.ListVolumes("p"), v => v.Name == "v").InUse);
    }

    [Fact]
    public void AVolumeSwappedForASymlinkOutOfThePool_IsNeverOpenedThroughIt()
    {
        _fx.Driver.CreateVolume("p", BackendFixture.Raw("v", 4096));
        string path = Path.Combine(_fx.PoolPath("p"), "v");
        File.Delete(path);
        File.CreateSymbolicLink(path, _secret);
        foreach (var mode in new[] { VolumeAccessMode.Read, VolumeAccessMode.Write })
        {
            var e = Assert.Throws<StorageException>(() => _fx.Driver.OpenVolume("p", "v", mode).Dispose());
            Assert.True(e.Code is ErrorCode.OperationDenied || e.OsErrno is 40 or 18, e.Message);
        }
        Assert.Equal("precious bytes outside the pool", File.ReadAllText(_secret));
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "mkfifo", SetLastError = true)]
    private static extern int Mkfifo([System.Runtime.InteropServices.MarshalAs(System.Runtime.InteropServices.UnmanagedType.LPUTF8Str)] string path, uint mode);

    [Theory]
    [InlineData("../escape")]
    [InlineData("..")]
    [InlineData("a/b")]
    public void VolumeNameThatWouldLeaveThePool_IsRefused(string name)
    {
        var e = Assert.Throws<StorageException>(() => _fx.Driver.CreateVolume("p", BackendFixture.Raw(name, 1024)));
        Assert.Equal(ErrorCode.InvalidArg, e.Code);
        Assert.Equal(["secret.img"], Directory.GetFileSystemEntries(_fx.Outside).Select(Path.GetFileName));
        Assert.Equal(["data", "outside"], Directory.GetDirectories(_fx.Root).Select(Path.GetFileName)
            .Where(n => n is not ("config" or "run")).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void TwoMebibyteVolumeDocument_IsRefused()
    {
        var xml = BackendFixture.Raw("v", 1024).Replace("<name>", new string(' ', 2 << 20) + "<name>", StringComparison.Ordinal);
        Assert.Equal(ErrorCode.XmlError, Assert.Throws<StorageException>(() => _fx.Driver.CreateVolume("p", xml)).Code);
    }

    [Fact]
    public void PoolTargetSymlinkedOutside_IsDenied()
    {
        File.CreateSymbolicLink(Path.Combine(_fx.Data, "out"), _fx.Outside);
        var e = Assert.Throws<StorageException>(() => _fx.Driver.DefinePool(
            $"<pool type='dir'><name>q</name><target><path>{Path.Combine(_fx.Data, "out")}</path></target></pool>"));
        Assert.Equal(ErrorCode.OperationDenied, e.Code);
    }
}
