using System.Diagnostics;
using StorageFs.Core.Driver;

namespace StorageFs.Core.Tests.Driver;

/// <summary>Several threads defining, starting and creating volumes at once: nothing lost,
/// nothing doubled, the store matching memory; a long wipe never blocks readers.</summary>
public sealed class ConcurrencyTests : IDisposable
{
    private readonly DriverFixture _fx = new();

    public void Dispose() => _fx.Dispose();

    [Fact]
    public void ManyThreads_DefineStartAndFillTheirOwnPools_WithoutCorruption()
    {
        var driver = _fx.NewDriver();
        const int pools = 8, volumes = 6;
        Parallel.For(0, pools, new ParallelOptions { MaxDegreeOfParallelism = pools }, i =>
        {
            var name = "p" + i;
            _fx.Running(driver, name);
            for (int v = 0; v < volumes; v++)
            {
                driver.CreateVolume(name, DriverFixture.Volume("v" + v));
                _ = driver.ListPools();
                _ = driver.GetPoolXml(name);
            }
        });

        Assert.Equal(pools, driver.ListPools().Count(p => p.State == PoolState.Running));
        for (int i = 0; i < pools; i++)
        {
            Assert.Equal(volumes, driver.ListVolumes("p" + i).Count);
        }
        var restarted = _fx.NewDriver();
        Assert.Equal(pools, restarted.ListPools().Count(p => p.State == PoolState.Running));
        Assert.Equal(pools * volumes, restarted.ListPools().Sum(p => restarted.ListVolumes(p.Name).Count));
    }

    [Fact]
    public void ManyThreads_CreatingOneVolumeName_LetExactlyOneWin()
    {
        var driver = _fx.NewDriver();
        _fx.Running(driver, "p");
        var errors = new Exception?[12];
        Parallel.For(0, errors.Length, i =>
            errors[i] = Record.Exception(() => driver.CreateVolume("p", DriverFixture.Volume("same", 4096UL + (ulong)i))));
        Assert.Single(errors, e => e is null);
        Assert.All(errors.Where(e => e is not null), e => Assert.Equal(ErrorCode.VolExists, ((StorageException)e!).Code));
        Assert.Single(driver.ListVolumes("p"));
    }

    [Fact]
    public void StartAndStopRacing_LeaveAConsistentState()
    {
        var driver = _fx.NewDriver();
        _fx.Running(driver, "p");
        Parallel.For(0, 40, i =>
        {
            try
            {
                if (i % 2 == 0)
                {
                    driver.StopPool("p");
                }
                else
                {
                    driver.StartPool("p");
                }
            }
            catch (StorageException e) when (e.Code is ErrorCode.OperationInvalid)
            {
            }
        });
        var info = driver.GetPoolInfo("p");
        Assert.True(info.State is PoolState.Running or PoolState.Inactive);
        Assert.Equal(info.State == PoolState.Running, _fx.NewDriver().GetPoolInfo("p").State == PoolState.Running);
    }

    [Fact]
    public void InfoAndListing_StayResponsive_WhileALongWipeRuns()
    {
        var driver = _fx.NewDriver();
        _fx.Running(driver, "p");
        driver.CreateVolume("p", DriverFixture.Volume("big", 1 << 20));
        driver.CreateVolume("p", DriverFixture.Volume("other"));
        _fx.Dir.WipeGate.Reset();
        var job = driver.StartWipeVolume("p", "big");
        Assert.True(_fx.Dir.WipeStarted.Wait(TimeSpan.FromSeconds(10)));

        var clock = Stopwatch.StartNew();
        Assert.Equal(PoolState.Running, driver.GetPoolInfo("p").State);
        Assert.Equal(2, driver.ListVolumes("p").Count);
        Assert.Equal(1UL << 20, driver.GetVolumeInfo("p", "big").Capacity);
        Assert.Contains("<name>p</name>", driver.GetPoolXml("p"), StringComparison.Ordinal);
        driver.CreateVolume("p", DriverFixture.Volume("third"));
        driver.DeleteVolume("p", "other");
        Assert.Contains(driver.Jobs.List(), j => j.Id == job.Id && j.Status == JobStatus.Running);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"readers took {clock.Elapsed}");
        Assert.Equal(1UL << 20, job.TotalBytes);

        _fx.Dir.WipeGate.Set();
        job.Wait();
        Assert.Equal(1UL << 20, job.DoneBytes);
    }

    [Fact]
    public async Task VolumesCreatedAndDeletedWhileARefreshRuns_KeepTheirNewState()
    {
        var driver = _fx.NewDriver();
        _fx.Running(driver, "p");
        driver.CreateVolume("p", DriverFixture.Volume("old"));
        _fx.Dir.HoldRefresh = true;
        _fx.Dir.RefreshGate.Reset();
        var refresh = Task.Run(() => driver.RefreshPool("p"));
        Assert.True(_fx.Dir.RefreshStarted.Wait(TimeSpan.FromSeconds(10)));

        Assert.Equal(PoolState.Running, driver.GetPoolInfo("p").State);
        driver.CreateVolume("p", DriverFixture.Volume("new"));
        driver.DeleteVolume("p", "old");
        var building = driver.StartCloneVolume("p", "<volume><name>copy</name></volume>", "p", "new");
        building.Wait();
        _fx.Dir.RefreshGate.Set();
        await refresh;
        _fx.Dir.HoldRefresh = false;

        Assert.Equal(["copy", "new"], driver.ListVolumes("p").Select(v => v.Name));
        driver.RefreshPool("p");
        Assert.Equal(["copy", "new"], driver.ListVolumes("p").Select(v => v.Name));
    }
}
