using StorageFs.Core.Driver;

namespace StorageFs.Core.Tests.Driver;

/// <summary>
/// <see cref="StorageDriver.BeginLoad"/>: the daemon answers before the pools it restarts have
/// been refreshed. A pool still queued is started by the first lookup that needs it, a pool a
/// worker is starting is waited for, so no caller ever sees one half-loaded; a failed start
/// leaves it inaccessible without failing the lookup.
/// </summary>
public sealed class DeferredStartTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private readonly DriverFixture _fx = new();

    public void Dispose() => _fx.Dispose();

    private void RunningPoolsWithAVolume(params string[] names)
    {
        var before = _fx.NewDriver();
        foreach (var name in names)
        {
            _fx.Running(before, name);
            before.CreateVolume(name, DriverFixture.Volume("v-" + name));
        }
    }

    private static CancellationToken Cancelled()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        return cts.Token;
    }

    [Fact]
    public async Task WithNoWorkerLeft_EachPoolStartsAtItsFirstLookup_AndTheOthersStayStarting()
    {
        RunningPoolsWithAVolume("a", "b", "c");
        var driver = _fx.NewDriver(load: false);

        // A cancelled load takes no pool: every start is left to the lookups.
        await driver.BeginLoad(1, Cancelled()).WaitAsync(Patience);
        Assert.All(driver.ListPools(), p => Assert.Equal(PoolState.Building, p.State));

        Assert.Equal(PoolState.Running, driver.GetPoolInfo("b").State);
        Assert.Equal("v-b", Assert.Single(driver.ListVolumes("b")).Name);
        Assert.Equal(
            [("a", PoolState.Building), ("b", PoolState.Running), ("c", PoolState.Building)],
            driver.ListPools().Select(p => (p.Name, p.State)));

        // Any operation is a lookup: listing c's volumes starts c.
        Assert.Equal("v-c", Assert.Single(driver.ListVolumes("c")).Name);
        Assert.Equal(PoolState.Running, driver.ListPools().Single(p => p.Name == "c").State);
    }

    [Fact]
    public async Task ALookupWhileAWorkerStartsThePool_WaitsForIt_AndThePoolIsRefreshedOnce()
    {
        RunningPoolsWithAVolume("p");
        var driver = _fx.NewDriver(load: false);
        _fx.Dir.HoldRefresh = true;
        _fx.Dir.RefreshGate.Reset();
        _fx.Dir.RefreshStarted.Reset();
        int refreshesBefore = Volatile.Read(ref _fx.Dir.Refreshes);

        var starts = driver.BeginLoad(1);
        Assert.True(_fx.Dir.RefreshStarted.Wait(Patience), "the worker did not start the pool");
        var lookup = Task.Run(() => driver.ListVolumes("p"));

        await Task.WhenAny(lookup, Task.Delay(300));
        Assert.False(lookup.IsCompleted, "the lookup did not wait for the start under way");
        _fx.Dir.RefreshGate.Set();
        Assert.Equal("v-p", Assert.Single(await lookup.WaitAsync(Patience)).Name);
        Assert.Equal(1, await starts.WaitAsync(Patience));
        Assert.Equal(refreshesBefore + 1, Volatile.Read(ref _fx.Dir.Refreshes));
        Assert.Equal(PoolState.Running, driver.GetPoolInfo("p").State);
    }

    [Fact]
    public async Task APoolFailingToStartAtLoad_IsInaccessible_ItsLookupsStillAnswer_AndItStartsLater()
    {
        RunningPoolsWithAVolume("bad", "good");
        var driver = _fx.NewDriver(load: false);
        _fx.Dir.FailRefresh["bad"] = true;

        await driver.BeginLoad(1).WaitAsync(Patience);

        Assert.Equal(PoolState.Inaccessible, driver.GetPoolInfo("bad").State);
        Assert.Equal(PoolState.Running, driver.GetPoolInfo("good").State);
        Assert.Contains(_fx.Log.Events, e => e.RenderMessage().Contains("Failed to start \"storage pool\" \"bad\"", StringComparison.Ordinal));

        _fx.Dir.FailRefresh.TryRemove("bad", out _);
        driver.StartPool("bad");
        Assert.Equal("v-bad", Assert.Single(driver.ListVolumes("bad")).Name);
    }

    [Fact]
    public async Task AnEventHandlerReadingThePoolItIsStarting_DoesNotDeadlock()
    {
        RunningPoolsWithAVolume("p", "q");
        var driver = _fx.NewDriver(load: false);
        var seen = new System.Collections.Concurrent.ConcurrentBag<string>();
        driver.Changed += (_, e) =>
        {
            if (e.Kind == StorageEventKind.PoolStarted)
            {
                // On the starting thread, inside the start: the pool's own lookup passes through.
                seen.Add($"{e.Pool}:{driver.ListVolumes(e.Pool).Count}");
            }
        };

        await driver.BeginLoad(2).WaitAsync(Patience);

        Assert.Equal(["p:1", "q:1"], seen.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Load_StillReturnsWithEveryPoolStarted()
    {
        RunningPoolsWithAVolume("a", "b");
        var driver = _fx.NewDriver(load: false);
        driver.Load();

        Assert.All(driver.ListPools(), p => Assert.Equal(PoolState.Running, p.State));
        Assert.Throws<InvalidOperationException>(() => { _ = driver.BeginLoad(1); });
    }
}
