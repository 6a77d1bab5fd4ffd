using StorageFs.Core.Backend;
using StorageFs.Core.Driver;

namespace StorageFs.Core.Tests.Driver;

/// <summary>
/// Every lifecycle operation in every pool state: the result, and for refusals libvirt's
/// message and error code (src/storage/storage_driver.c).
/// </summary>
public sealed class LifecycleTransitionTests : IDisposable
{
    private const string Ok = "ok";
    private const string NotActive = "Requested operation is not valid: storage pool 'p' is not active";
    private const string AlreadyActive = "Requested operation is not valid: storage pool 'p' is already active";
    private const string StillActive = "Requested operation is not valid: storage pool 'p' is still active";
    private const string StartingUp = "Requested operation is not valid: storage pool 'p' is starting up";

    private readonly DriverFixture _fx = new();

    public void Dispose() => _fx.Dispose();

    public static TheoryData<string, string, string> Table()
    {
        var rows = new TheoryData<string, string, string>();
        void Row(string op, string inactive, string running, string degraded, string building, string inaccessible)
        {
            rows.Add("inactive", op, inactive);
            rows.Add("running", op, running);
            rows.Add("degraded", op, degraded);
            rows.Add("building", op, building);
            rows.Add("inaccessible", op, inaccessible);
        }
        Row("define", Ok, Ok, Ok, Ok, Ok);
        Row("undefine", Ok, StillActive, StillActive, StartingUp, Ok);
        Row("start", Ok, AlreadyActive, AlreadyActive, StartingUp, Ok);
        // Stopping an inaccessible pool (its start failed) makes it inactive.
        Row("stop", NotActive, Ok, Ok, NotActive, Ok);
        Row("build", Ok, AlreadyActive, AlreadyActive, StartingUp, Ok);
        Row("delete", Ok, StillActive, StillActive, StartingUp, Ok);
        Row("refresh", NotActive, Ok, Ok, NotActive, NotActive);
        Row("autostart", Ok, Ok, Ok, Ok, Ok);
        Row("info", Ok, Ok, Ok, Ok, Ok);
        Row("xml", Ok, Ok, Ok, Ok, Ok);
        Row("vol-list", NotActive, Ok, Ok, NotActive, NotActive);
        Row("vol-create", NotActive, Ok, Ok, NotActive, NotActive);
        return rows;
    }

    [Theory]
    [MemberData(nameof(Table))]
    public void Operation_InState_GivesLibvirtsResult(string state, string op, string expected)
    {
        var driver = _fx.NewDriver();
        var build = Enter(driver, state);
        Assert.Equal(state, driver.GetPoolInfo("p").StateName);

        var error = Record.Exception(() => Do(driver, op));

        _fx.Dir.BuildGate.Set();
        build?.Wait();
        if (expected == Ok)
        {
            Assert.Null(error);
        }
        else
        {
            var se = Assert.IsType<StorageException>(error);
            Assert.Equal(expected, se.Message);
            Assert.Equal(expected.Contains("not valid", StringComparison.Ordinal) ? ErrorCode.OperationInvalid : ErrorCode.InternalError, se.Code);
        }
    }

    [Fact]
    public void PoolInfo_WhenRunning_PrintsVirshPoolInfoLayout()
    {
        var driver = _fx.NewDriver();
        _fx.Running(driver, "p");
        var info = driver.GetPoolInfo("p");
        Assert.Equal(
            "Name:           p\n" +
            $"UUID:           {info.Uuid:D}\n" +
            "State:          running\n" +
            "Persistent:     yes\n" +
            "Autostart:      no\n" +
            "Capacity:       1.00 TiB\n" +
            "Allocation:     1.00 GiB\n" +
            "Available:      1023.00 GiB\n\n", info.ToVirshText());
        driver.StopPool("p");
        Assert.DoesNotContain("Capacity", driver.GetPoolInfo("p").ToVirshText(), StringComparison.Ordinal);
    }

    [Fact]
    public void StopPool_WithAsyncJobRunning_IsRefused_AsLibvirt()
    {
        var driver = _fx.NewDriver();
        _fx.Running(driver, "p");
        driver.CreateVolume("p", DriverFixture.Volume("v"));
        _fx.Dir.WipeGate.Reset();
        var job = driver.StartWipeVolume("p", "v");
        Assert.True(_fx.Dir.WipeStarted.Wait(TimeSpan.FromSeconds(10)));

        var e = Assert.Throws<StorageException>(() => driver.StopPool("p"));
        Assert.Equal("internal error: pool 'p' has asynchronous jobs running.", e.Message);
        Assert.Equal(ErrorCode.Busy, e.Code);
        Assert.Equal("internal error: pool 'p' has asynchronous jobs running.",
            Assert.Throws<StorageException>(() => driver.RefreshPool("p")).Message);

        _fx.Dir.WipeGate.Set();
        job.Wait();
        driver.StopPool("p");
    }

    [Fact]
    public void RefreshFailure_StopsThePool_AndLeavesItInaccessible_ThenStartRecovers()
    {
        var driver = _fx.NewDriver();
        _fx.Running(driver, "p");
        var events = new List<StorageEventKind>();
        driver.Changed += (_, e) => events.Add(e.Kind);
        _fx.Dir.FailRefresh["p"] = true;

        var e = Assert.Throws<StorageException>(() => driver.RefreshPool("p"));

        Assert.Contains("failed on purpose", e.Message, StringComparison.Ordinal);
        Assert.Equal(PoolState.Inaccessible, driver.GetPoolInfo("p").State);
        Assert.Equal([StorageEventKind.PoolStopped], events);
        _fx.Dir.FailRefresh.Clear();
        driver.StartPool("p");
        Assert.Equal(PoolState.Running, driver.GetPoolInfo("p").State);
    }

    [Fact]
    public void StartFailure_LeavesPoolInactive_AndAPersistentPoolDefined()
    {
        var driver = _fx.NewDriver();
        driver.DefinePool(_fx.DirPool("p"));

        var e = Assert.Throws<StorageException>(() => driver.StartPool("p"));

        Assert.Contains("cannot open directory", e.Message, StringComparison.Ordinal);
        Assert.Equal(PoolState.Inactive, driver.GetPoolInfo("p").State);
    }

    [Fact]
    public void StartWithBuild_CreatesTheTarget_ThenRuns()
    {
        var driver = _fx.NewDriver();
        driver.DefinePool(_fx.DirPool("p"));
        driver.StartPool("p", PoolBuildFlags.None);
        Assert.True(Directory.Exists(_fx.PoolPath("p")));
        Assert.True(driver.GetPoolInfo("p").IsActive);
    }

    [Theory]
    [InlineData(PoolBuildFlags.Overwrite | PoolBuildFlags.NoOverwrite,
        "invalid argument: Flags 'VIR_STORAGE_POOL_BUILD_OVERWRITE' and 'VIR_STORAGE_POOL_BUILD_NO_OVERWRITE' are mutually exclusive")]
    [InlineData(PoolBuildFlags.Repair, "invalid argument: unsupported flags (0x1) in function build")]
    public void Build_WithBadFlags_IsRefused(PoolBuildFlags flags, string message)
    {
        var driver = _fx.NewDriver();
        driver.DefinePool(_fx.DirPool("p"));
        var e = Assert.Throws<StorageException>(() => driver.BuildPool("p", flags));
        Assert.Equal(message, e.Message);
        Assert.Equal(ErrorCode.InvalidArg, e.Code);
    }

    [Fact]
    public void TransientPool_RunsWhileCreated_AndVanishesWhenStopped()
    {
        var driver = _fx.NewDriver();
        Directory.CreateDirectory(_fx.PoolPath("t"));
        var info = driver.CreatePool(_fx.DirPool("t"));
        Assert.False(info.Persistent);
        Assert.Equal(PoolState.Running, info.State);
        Assert.Equal("internal error: pool has no config file",
            Assert.Throws<StorageException>(() => driver.SetPoolAutostart("t", true)).Message);
        Assert.Equal("Requested operation is not valid: storage pool 't' is still active",
            Assert.Throws<StorageException>(() => driver.UndefinePool("t")).Message);

        driver.StopPool("t");

        Assert.Null(driver.FindPool("t"));
        Assert.Equal("Storage pool not found: no storage pool with matching name 't'",
            Assert.Throws<StorageException>(() => driver.GetPoolInfo("t")).Message);
    }

    [Fact]
    public void CreatePool_OverAnActivePool_IsRefused_AsLibvirt()
    {
        var driver = _fx.NewDriver();
        _fx.Running(driver, "p");
        var uuid = driver.GetPoolInfo("p").Uuid;
        var e = Assert.Throws<StorageException>(() => driver.CreatePool(_fx.DirPool("p", uuid: uuid)));
        Assert.Equal("Requested operation is not valid: pool is already active as 'p'", e.Message);
    }

    [Fact]
    public void CreatePool_OverAnInactivePersistentPool_RunsLive_ThenRestoresThePersistentDefinition()
    {
        var driver = _fx.NewDriver();
        driver.DefinePool(_fx.DirPool("p"));
        var uuid = driver.GetPoolInfo("p").Uuid;
        Directory.CreateDirectory(_fx.PoolPath("other"));

        driver.CreatePool(_fx.DirPool("p", _fx.PoolPath("other"), uuid));
        Assert.Contains(_fx.PoolPath("other"), driver.GetPoolXml("p"), StringComparison.Ordinal);
        Assert.Contains(_fx.PoolPath("p") + "<", driver.GetPoolXml("p", inactive: true), StringComparison.Ordinal);
        driver.StopPool("p");

        Assert.True(driver.GetPoolInfo("p").Persistent);
        Assert.Contains(_fx.PoolPath("p") + "<", driver.GetPoolXml("p"), StringComparison.Ordinal);
    }

    [Fact]
    public void Redefine_WhileRunning_TakesEffectWhenStopped()
    {
        var driver = _fx.NewDriver();
        _fx.Running(driver, "p");
        var uuid = driver.GetPoolInfo("p").Uuid;
        var other = _fx.PoolPath("moved");

        driver.DefinePool(_fx.DirPool("p", other, uuid));

        Assert.Contains(_fx.PoolPath("p") + "<", driver.GetPoolXml("p"), StringComparison.Ordinal);
        Assert.Contains(other, driver.GetPoolXml("p", inactive: true), StringComparison.Ordinal);
        driver.StopPool("p");
        Assert.Contains(other, driver.GetPoolXml("p"), StringComparison.Ordinal);
    }

    [Fact]
    public void LiveXml_ShowsCurrentSizes_AndAStoppedPoolKeepsTheLastOnes_AsLibvirt()
    {
        var driver = _fx.NewDriver();
        driver.DefinePool(_fx.DirPool("p"));
        Assert.Contains("<capacity unit='bytes'>0</capacity>", driver.GetPoolXml("p"), StringComparison.Ordinal);
        driver.BuildPool("p");
        driver.StartPool("p");
        Assert.Contains("<capacity unit='bytes'>1099511627776</capacity>", driver.GetPoolXml("p"), StringComparison.Ordinal);
        driver.StopPool("p");
        Assert.Contains("<capacity unit='bytes'>1099511627776</capacity>", driver.GetPoolXml("p"), StringComparison.Ordinal);
    }

    [Fact]
    public void Lifecycle_RaisesOneEventPerChange_InOrder()
    {
        var driver = _fx.NewDriver();
        var events = new List<string>();
        driver.Changed += (_, e) => events.Add(e.ToString());

        _fx.Running(driver, "p");
        driver.CreateVolume("p", DriverFixture.Volume("v"));
        driver.ResizeVolume("p", "v", 8192);
        driver.WipeVolume("p", "v");
        driver.DeleteVolume("p", "v");
        driver.RefreshPool("p");
        driver.SetPoolAutostart("p", true);
        driver.StopPool("p");
        driver.DeletePool("p");
        driver.UndefinePool("p");

        Assert.Equal(
        [
            "PoolDefined Pool 'p'", "PoolBuilt Pool 'p'", "PoolStarted Pool 'p'",
            "VolumeCreated Pool 'p' 'v'", "VolumeResized Pool 'p' 'v'", "VolumeWiped Pool 'p' 'v'",
            "VolumeDeleted Pool 'p' 'v'", "PoolRefreshed Pool 'p'", "PoolAutostartChanged Pool 'p'",
            "PoolStopped Pool 'p'", "PoolDeleted Pool 'p'", "PoolUndefined Pool 'p'",
        ], events);
    }

    [Fact]
    public void AnEventHandlerThatThrows_IsLogged_AndDoesNotBreakTheOperation()
    {
        var driver = _fx.NewDriver();
        driver.Changed += (_, _) => throw new InvalidOperationException("boom");
        driver.DefinePool(_fx.DirPool("p"));
        Assert.NotNull(driver.FindPool("p"));
        Assert.Contains(_fx.Log.Events, e => e.Exception?.Message == "boom");
    }

    // Puts pool 'p' into a state; returns the build job holding the building state.
    private StorageJob? Enter(StorageDriver driver, string state)
    {
        driver.DefinePool(_fx.DirPool("p"));
        switch (state)
        {
            case "inactive":
                return null;
            case "building":
                _fx.Dir.HoldBuild["p"] = true;
                _fx.Dir.BuildGate.Reset();
                return driver.StartBuildPool("p");
            case "running":
                driver.BuildPool("p");
                driver.StartPool("p");
                return null;
            case "degraded":
                driver.BuildPool("p");
                File.WriteAllText(Path.Combine(_fx.PoolPath("p"), "unreadable.img"), "x");
                driver.StartPool("p");
                return null;
            default:
                driver.BuildPool("p");
                driver.StartPool("p");
                _fx.Dir.FailRefresh["p"] = true;
                Assert.Throws<StorageException>(() => driver.RefreshPool("p"));
                _fx.Dir.FailRefresh.Clear();
                return null;
        }
    }

    private void Do(StorageDriver driver, string op)
    {
        switch (op)
        {
            case "define":
                driver.DefinePool(_fx.DirPool("p", uuid: driver.GetPoolInfo("p").Uuid));
                break;
            case "undefine":
                driver.UndefinePool("p");
                break;
            case "start":
                driver.StartPool("p", PoolBuildFlags.None);
                break;
            case "stop":
                driver.StopPool("p");
                break;
            case "build":
                driver.BuildPool("p");
                break;
            case "delete":
                foreach (var f in Directory.Exists(_fx.PoolPath("p")) ? Directory.GetFiles(_fx.PoolPath("p")) : [])
                {
                    File.Delete(f);
                }
                Directory.CreateDirectory(_fx.PoolPath("p"));
                driver.DeletePool("p");
                break;
            case "refresh":
                driver.RefreshPool("p");
                break;
            case "autostart":
                driver.SetPoolAutostart("p", true);
                break;
            case "info":
                driver.GetPoolInfo("p");
                break;
            case "xml":
                driver.GetPoolXml("p");
                break;
            case "vol-list":
                driver.ListVolumes("p");
                break;
            default:
                driver.CreateVolume("p", DriverFixture.Volume("new"));
                break;
        }
    }
}
