using StorageFs.Core.Driver;
using StorageFs.Core.Persistence;

namespace StorageFs.Core.Tests.Driver;

/// <summary>
/// The user's intent survives a daemon restart (a new driver over the same state directory):
/// running pools come back, stopped ones stay stopped even though their directory exists
/// (libvirt would restart them), autostart runs once per boot, transient pools are gone.
/// </summary>
public sealed class PersistenceAcrossRestartTests : IDisposable
{
    private readonly DriverFixture _fx = new();

    public void Dispose() => _fx.Dispose();

    [Fact]
    public void RunningPool_ComesBackRunning_WithItsVolumes()
    {
        var before = _fx.NewDriver();
        _fx.Running(before, "p");
        before.CreateVolume("p", DriverFixture.Volume("v"));

        var after = _fx.NewDriver();

        Assert.Equal(PoolState.Running, after.GetPoolInfo("p").State);
        Assert.Equal("v", Assert.Single(after.ListVolumes("p")).Name);
    }

    [Fact]
    public void StoppedPool_StaysStopped_ThoughItsDirectoryExists()
    {
        var before = _fx.NewDriver();
        _fx.Running(before, "p");
        before.StopPool("p");

        var after = _fx.NewDriver();

        Assert.Equal(PoolState.Inactive, after.GetPoolInfo("p").State);
        Assert.True(Directory.Exists(_fx.PoolPath("p")));
    }

    [Fact]
    public void DefinedNeverStartedPool_StaysInactive()
    {
        _fx.NewDriver().DefinePool(_fx.DirPool("p"));
        Directory.CreateDirectory(_fx.PoolPath("p"));
        Assert.Equal(PoolState.Inactive, _fx.NewDriver().GetPoolInfo("p").State);
    }

    [Fact]
    public void AutostartPool_StartsOnTheFirstLoadAfterBoot_ButAStopWithinTheBootIsKept()
    {
        var before = _fx.NewDriver();
        before.DefinePool(_fx.DirPool("p"));
        before.BuildPool("p");
        before.SetPoolAutostart("p", true);

        _fx.Reboot();
        var firstAfterBoot = _fx.NewDriver();
        Assert.Equal(PoolState.Running, firstAfterBoot.GetPoolInfo("p").State);
        Assert.True(firstAfterBoot.GetPoolInfo("p").Autostart);
        firstAfterBoot.StopPool("p");

        var restartedDaemon = _fx.NewDriver();
        Assert.Equal(PoolState.Inactive, restartedDaemon.GetPoolInfo("p").State);

        _fx.Reboot();
        Assert.Equal(PoolState.Running, _fx.NewDriver().GetPoolInfo("p").State);
    }

    [Fact]
    public void TransientPool_IsGoneAfterRestart()
    {
        var before = _fx.NewDriver();
        Directory.CreateDirectory(_fx.PoolPath("t"));
        before.CreatePool(_fx.DirPool("t"));
        Assert.Null(_fx.NewDriver().FindPool("t"));
    }

    [Fact]
    public void UndefinedPool_IsGoneAfterRestart_AndRedefinitionsPersist()
    {
        var before = _fx.NewDriver();
        var uuid = before.DefinePool(_fx.DirPool("a")).Uuid;
        before.DefinePool(_fx.DirPool("a", _fx.PoolPath("a2"), uuid));
        before.DefinePool(_fx.DirPool("b"));
        before.UndefinePool("b");

        var after = _fx.NewDriver();

        Assert.Equal(["a"], after.ListPools().Select(p => p.Name));
        Assert.Contains(_fx.PoolPath("a2"), after.GetPoolXml("a"), StringComparison.Ordinal);
        Assert.Equal(uuid, after.GetPoolInfo("a").Uuid);
    }

    [Fact]
    public void PoolThatFailsToStartAtLoad_IsInaccessible_AndTheOthersStillStart()
    {
        var before = _fx.NewDriver();
        _fx.Running(before, "good");
        _fx.Running(before, "gone");
        Directory.Delete(_fx.PoolPath("gone"));

        var after = _fx.NewDriver();

        Assert.Equal(PoolState.Running, after.GetPoolInfo("good").State);
        Assert.Equal(PoolState.Inaccessible, after.GetPoolInfo("gone").State);
        Assert.Contains(_fx.Log.Events, e => e.RenderMessage().Contains("gone", StringComparison.Ordinal));
        Directory.CreateDirectory(_fx.PoolPath("gone"));
        after.StartPool("gone");
        Assert.Equal(PoolState.Running, after.GetPoolInfo("gone").State);
    }

    [Fact]
    public void CorruptStoredDefinition_IsSetAside_AndTheOthersLoad()
    {
        var before = _fx.NewDriver();
        _fx.Running(before, "good");
        File.WriteAllText(Path.Combine(_fx.Config, "pools", "bad.xml"), "<pool type='dir'><name>bad</name></pool>");

        var after = _fx.NewDriver();

        Assert.Equal(["good"], after.ListPools().Select(p => p.Name));
        Assert.False(File.Exists(Path.Combine(_fx.Config, "pools", "bad.xml")));
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(_fx.Config, "pools", "corrupt")));
    }

    [Fact]
    public void StoredPoolOutsideTheAllowedDirectories_IsListed_ButDoesNotStart()
    {
        var before = _fx.NewDriver();
        _fx.Running(before, "p");
        var outside = Path.Combine(_fx.Root, "outside");
        Directory.CreateDirectory(outside);
        var uuid = before.GetPoolInfo("p").Uuid;
        var store = new DefinitionStore(_fx.Config, Serilog.Core.Logger.None);
        store.Save(DefinitionKind.Pool, "p", uuid, _fx.DirPool("p", outside, uuid));

        var after = _fx.NewDriver();

        Assert.Equal(PoolState.Inaccessible, after.GetPoolInfo("p").State);
        var e = Assert.Throws<StorageException>(() => after.StartPool("p"));
        Assert.Equal(ErrorCode.OperationDenied, e.Code);
        after.UndefinePool("p");
    }

    [Fact]
    public void FsPools_KeepTheirIntendedStateToo()
    {
        var before = _fx.NewDriver();
        before.DefineFsPool(_fx.FsPool("f"));
        before.BuildFsPool("f");
        before.StartFsPool("f");
        before.CreateItem("f", "<fsitem><name>i</name></fsitem>");
        before.DefineFsPool(_fx.FsPool("g"));

        var after = _fx.NewDriver();

        Assert.Equal(PoolState.Running, after.GetFsPoolInfo("f").State);
        Assert.Equal("i", Assert.Single(after.ListItems("f")).Name);
        Assert.Equal(PoolState.Inactive, after.GetFsPoolInfo("g").State);
    }

    [Fact]
    public void Load_Twice_IsRefused()
    {
        var driver = _fx.NewDriver();
        Assert.Throws<InvalidOperationException>(driver.Load);
    }
}
