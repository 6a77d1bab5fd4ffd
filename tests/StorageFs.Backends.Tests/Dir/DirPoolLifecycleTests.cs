using StorageFs.Core;
using StorageFs.Core.Driver;

namespace StorageFs.Backends.Tests.Dir;

/// <summary>dir pool build, delete, refresh numbers and restart, on real directories.</summary>
public sealed class DirPoolLifecycleTests : IDisposable
{
    private readonly BackendFixture _fx = new();

    public void Dispose() => _fx.Dispose();

    [Fact]
    public void Build_CreatesTheDirectoryWithLibvirtsDefaultMode0711()
    {
        _fx.Driver.DefinePool(_fx.DirPool("p"));
        _fx.Driver.BuildPool("p");
        Assert.Equal(0x1C9u, BackendFixture.StatOf(_fx.PoolPath("p")).Mode);
    }

    [RootFact]
    public void Build_AppliesModeOwnerAndGroup_FromTheXml_AlsoToAnExistingDirectory()
    {
        Directory.CreateDirectory(_fx.PoolPath("p"));
        _fx.Driver.DefinePool(_fx.DirPool("p", "<permissions><mode>0750</mode><owner>1234</owner><group>2345</group></permissions>"));
        _fx.Driver.BuildPool("p");
        Assert.Equal((0x1E8u, 1234u, 2345u), BackendFixture.StatOf(_fx.PoolPath("p")));
        _fx.Driver.StartPool("p");
        var xml = _fx.Driver.GetPoolXml("p");
        Assert.Contains("<mode>0750</mode>", xml, StringComparison.Ordinal);
        Assert.Contains("<owner>1234</owner>", xml, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_MakesMissingParents()
    {
        var deep = Path.Combine(_fx.Data, "a", "b", "p");
        _fx.Driver.DefinePool($"<pool type='dir'><name>p</name><target><path>{deep}</path></target></pool>");
        _fx.Driver.BuildPool("p");
        Assert.True(Directory.Exists(deep));
    }

    [Fact]
    public void Delete_NonEmptyPool_FailsAsLibvirt_DirectoryNotEmpty()
    {
        _fx.RunningPool("p");
        _fx.Driver.CreateVolume("p", BackendFixture.Raw("v", 1024));
        _fx.Driver.StopPool("p");

        var e = Assert.Throws<StorageException>(() => _fx.Driver.DeletePool("p"));

        Assert.Equal($"failed to remove pool '{_fx.PoolPath("p")}': Directory not empty", e.Message);
        Assert.Equal(39, e.OsErrno);
        File.Delete(Path.Combine(_fx.PoolPath("p"), "v"));
        _fx.Driver.DeletePool("p");
        Assert.False(Directory.Exists(_fx.PoolPath("p")));
    }

    [Fact]
    public void Refresh_ReportsStatvfsNumbers_AndTheTargetsPermissions()
    {
        _fx.RunningPool("p");
        var info = _fx.Driver.GetPoolInfo("p");
        var drive = new DriveInfo(_fx.PoolPath("p"));
        Assert.Equal((ulong)drive.TotalSize, info.Capacity);
        Assert.Equal(info.Capacity, info.Allocation + info.Available);
        Assert.True(info.Available >= (ulong)drive.AvailableFreeSpace - (64UL << 20));
        Assert.Contains("<mode>0711</mode>", _fx.Driver.GetPoolXml("p"), StringComparison.Ordinal);
    }

    [Fact]
    public void Refresh_SeesFilesDroppedInByOtherTools_AndSkipsHiddenAndSpecialOnes()
    {
        _fx.RunningPool("p");
        File.WriteAllBytes(Path.Combine(_fx.PoolPath("p"), "dropped.img"), new byte[5000]);
        File.WriteAllText(Path.Combine(_fx.PoolPath("p"), ".hidden"), "x");
        BackendFixture.Run("mkfifo", Path.Combine(_fx.PoolPath("p"), "fifo"));
        Directory.CreateDirectory(Path.Combine(_fx.PoolPath("p"), "subdir"));
        File.CreateSymbolicLink(Path.Combine(_fx.PoolPath("p"), "dangling"), Path.Combine(_fx.PoolPath("p"), "nothing"));
        Assert.Empty(_fx.Driver.ListVolumes("p"));

        _fx.Driver.RefreshPool("p");

        var vols = _fx.Driver.ListVolumes("p");
        Assert.Equal(["dropped.img", "subdir"], vols.Select(v => v.Name));
        Assert.Equal(("raw", 5000UL), (vols[0].Format, vols[0].Capacity));
        Assert.Equal(("dir", "dir"), (vols[1].Format, vols[1].TypeName));
        Assert.Equal(PoolState.Running, _fx.Driver.GetPoolInfo("p").State);
    }

    [Fact]
    public void RunningPoolWithVolumes_ComesBackAfterRestart_StoppedOneStaysStopped()
    {
        _fx.RunningPool("p");
        _fx.RunningPool("q");
        _fx.Driver.CreateVolume("p", BackendFixture.Qcow2("v.qcow2", 1 << 20));
        _fx.Driver.StopPool("q");

        var after = _fx.NewDriver();

        Assert.Equal(PoolState.Running, after.GetPoolInfo("p").State);
        Assert.Equal("qcow2", Assert.Single(after.ListVolumes("p")).Format);
        Assert.Equal(PoolState.Inactive, after.GetPoolInfo("q").State);
    }

    [Fact]
    public void PoolDirectoryRemovedBehindOurBack_MakesRefreshStopThePool()
    {
        _fx.RunningPool("p");
        Directory.Delete(_fx.PoolPath("p"));
        var e = Assert.Throws<StorageException>(() => _fx.Driver.RefreshPool("p"));
        Assert.Equal($"cannot open directory '{_fx.PoolPath("p")}': No such file or directory", e.Message);
        Assert.Equal(PoolState.Inaccessible, _fx.Driver.GetPoolInfo("p").State);
    }
}
