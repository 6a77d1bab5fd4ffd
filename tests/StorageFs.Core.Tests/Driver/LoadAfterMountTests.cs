using StorageFs.Core.Driver;
using StorageFs.Core.Persistence;

namespace StorageFs.Core.Tests.Driver;

/// <summary>
/// <see cref="StorageDriver.BeginLoad"/> returns before a stored definition is read: the names
/// the store's directory lists answer at once, every other lookup waits for the definitions
/// to load (nothing sees part of them, a define's duplicate check sees every stored pool),
/// and what changed in the store while the daemon was stopped is what loads.
/// </summary>
public sealed class LoadAfterMountTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private readonly DriverFixture _fx = new();
    private readonly ManualResetEventSlim _hold = new(initialState: false);

    public void Dispose()
    {
        _hold.Set();
        _hold.Dispose();
        _fx.Dispose();
    }

    private string StoredFile(string name) => Path.Combine(_fx.Config, "pools", name + ".xml");

    private static CancellationToken Cancelled()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        return cts.Token;
    }

    [Fact]
    public async Task WhileTheDefinitionsLoad_TheStoredNamesAnswerAtOnce_AndALookupWaitsForTheLoad()
    {
        var before = _fx.NewDriver();
        _fx.Running(before, "a");
        _fx.Running(before, "b");
        before.DefinePool(_fx.DirPool("c"));
        before.DefineFsPool(_fx.FsPool("f"));
        File.WriteAllText(StoredFile("bad"), "<pool type='dir'><name>bad</name></pool>");

        var driver = _fx.NewDriver(load: false, holdLoad: _hold);
        var starts = driver.BeginLoad(1);

        Assert.Equal(["a", "b", "bad", "c"], driver.ListPoolNames());
        Assert.Equal(["f"], driver.ListFsPoolNames());
        Assert.True(driver.PoolExists("b"));
        Assert.False(driver.PoolExists("f"));
        Assert.True(driver.FsPoolExists("f"));
        var info = Task.Run(() => driver.GetPoolInfo("b"));
        await Task.WhenAny(info, Task.Delay(300));
        Assert.False(info.IsCompleted, "a lookup answered before the definitions were loaded");

        _hold.Set();
        Assert.Equal(PoolState.Running, (await info.WaitAsync(Patience)).State);
        Assert.Equal(2, await starts.WaitAsync(Patience));
        // The damaged file was listed while loading, and is gone once set aside.
        Assert.Equal(["a", "b", "c"], driver.ListPoolNames());
        Assert.Equal(["a", "b", "c"], driver.ListPools().Select(p => p.Name));
        Assert.Equal(PoolState.Inactive, driver.GetPoolInfo("c").State);
    }

    [Fact]
    public async Task APoolLoadedBeforeTheLoadEnds_Answers_WhileALaterOneAndTheWholeListWait()
    {
        var before = _fx.NewDriver();
        _fx.Running(before, "a");
        _fx.Running(before, "z");

        // The loader reads in name order and stops at z's definition.
        var driver = _fx.NewDriver(load: false, holdLoad: _hold, holdPool: "z");
        var starts = driver.BeginLoad(1);

        Assert.Equal(PoolState.Running, (await Task.Run(() => driver.GetPoolInfo("a")).WaitAsync(Patience)).State);
        Assert.Null(driver.FindPool("nowhere"));
        var z = Task.Run(() => driver.GetPoolInfo("z"));
        var all = Task.Run(() => driver.ListPools());
        await Task.WhenAny(z, all, Task.Delay(300));
        Assert.False(z.IsCompleted, "a pool answered before its definition was loaded");
        Assert.False(all.IsCompleted, "the list of pools answered before the load ended");

        _hold.Set();
        Assert.Equal(PoolState.Running, (await z.WaitAsync(Patience)).State);
        Assert.Equal(["a", "z"], (await all.WaitAsync(Patience)).Select(p => p.Name));
        Assert.Equal(2, await starts.WaitAsync(Patience));
    }

    [Fact]
    public async Task ADefineDuringTheLoad_WaitsForIt_AndFindsTheStoredPoolWithTheSameTarget()
    {
        _fx.Running(_fx.NewDriver(), "a");
        var driver = _fx.NewDriver(load: false, holdLoad: _hold);
        var starts = driver.BeginLoad(1);

        var define = Task.Run(() => driver.DefinePool(_fx.DirPool("twin", path: _fx.PoolPath("a"))));
        await Task.WhenAny(define, Task.Delay(300));
        Assert.False(define.IsCompleted, "a define ran before the stored definitions were loaded");

        _hold.Set();
        var e = await Assert.ThrowsAsync<StorageException>(() => define.WaitAsync(Patience));
        Assert.Equal(ErrorCode.PoolExists, e.Code);
        Assert.Contains("'a'", e.Message, StringComparison.Ordinal);
        Assert.Equal(1, await starts.WaitAsync(Patience));
        Assert.False(File.Exists(StoredFile("twin")));
    }

    [Fact]
    public async Task AskingByName_NeverStartsAPoolStillQueued()
    {
        var before = _fx.NewDriver();
        _fx.Running(before, "a");
        _fx.Running(before, "b");

        // A cancelled load takes no pool: each would start at its first lookup.
        var driver = _fx.NewDriver(load: false);
        await driver.BeginLoad(1, Cancelled()).WaitAsync(Patience);

        Assert.True(driver.PoolExists("a"));
        Assert.Equal(["a", "b"], driver.ListPoolNames());
        Assert.All(driver.ListPools(), p => Assert.Equal(PoolState.Building, p.State));
    }

    [Fact]
    public void ADefinitionChangedOrRemovedWhileTheDaemonWasStopped_IsWhatTheNextStartLoads()
    {
        var before = _fx.NewDriver();
        _fx.Running(before, "a");
        _fx.Running(before, "b");
        Guid uuid = before.GetPoolInfo("a").Uuid;

        // By hand, as an administrator would: a's file rewritten in place (no header: default
        // flags, stopped; another target), b's removed.
        Directory.CreateDirectory(_fx.PoolPath("elsewhere"));
        File.WriteAllText(StoredFile("a"), _fx.DirPool("a", path: _fx.PoolPath("elsewhere"), uuid: uuid));
        File.Delete(StoredFile("b"));

        var after = _fx.NewDriver();

        Assert.Equal(["a"], after.ListPoolNames());
        var a = after.GetPoolInfo("a");
        Assert.Equal(PoolState.Inactive, a.State);
        Assert.Equal(_fx.PoolPath("elsewhere"), a.TargetPath);
        Assert.Null(after.FindPool("b"));
    }
}
