using StorageFs.Core.Backend;
using StorageFs.Core.Driver;

namespace StorageFs.Core.Tests.Driver;

/// <summary>
/// libvirt's empty-slot semantics, driven by the capability record: a backend without start,
/// stop or build succeeds doing nothing; without anything else the driver refuses with
/// libvirt's NoSupport message before calling it.
/// </summary>
public sealed class CapabilityTests : IDisposable
{
    private const string NotSupported = "this function is not supported by the connection driver: ";
    private readonly DriverFixture _fx = new();
    private readonly StorageDriver _driver;

    public CapabilityTests()
    {
        _driver = _fx.NewDriver();
        _driver.DefinePool("<pool type='mpath'><name>m</name><target><path>/dev/mapper</path></target></pool>");
    }

    public void Dispose() => _fx.Dispose();

    [Fact]
    public void MissingStartStopAndBuild_AreNoOpSuccesses()
    {
        _driver.BuildPool("m");
        _driver.StartPool("m");
        Assert.Equal(PoolState.Running, _driver.GetPoolInfo("m").State);
        _driver.StopPool("m");
        Assert.Equal(PoolState.Inactive, _driver.GetPoolInfo("m").State);
    }

    public static TheoryData<string, string> Refusals() => new()
    {
        { "pool-delete", "pool does not support pool deletion" },
        { "vol-create", "storage pool does not support volume creation" },
        { "vol-clone", "storage pool does not support volume creation from an existing volume" },
        { "vol-delete", "storage pool does not support vol deletion" },
        { "vol-resize", "storage pool does not support changing of volume capacity" },
        { "vol-wipe", "storage pool doesn't support volume wiping" },
        { "vol-upload", "storage pool doesn't support volume upload" },
        { "vol-download", "storage pool doesn't support volume download" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void MissingOperation_FailsWithLibvirtsNoSupportMessage(string op, string message)
    {
        if (op != "pool-delete")
        {
            _driver.StartPool("m");
        }
        var e = Assert.Throws<StorageException>(() => Do(op));
        Assert.Equal(NotSupported + message, e.Message);
        Assert.Equal(ErrorCode.NoSupport, e.Code);
        if (op != "pool-delete")
        {
            Assert.Equal(0, _driver.GetPoolInfo("m").AsyncJobs);
            Assert.Equal(["v"], _driver.ListVolumes("m").Select(v => v.Name));
        }
    }

    [Fact]
    public void PoolTypeWithoutBackend_CannotBeDefined_AsLibvirt()
    {
        var e = Assert.Throws<StorageException>(() => _driver.DefinePool(
            "<pool type='sheepdog'><name>s</name><source><host name='localhost'/><name>s</name></source></pool>"));
        Assert.Equal("internal error: missing backend for pool type 10 (sheepdog)", e.Message);
        Assert.Equal(ErrorCode.NoSupport, e.Code);
    }

    [Fact]
    public void Capabilities_AreReadableByPoolAndByType()
    {
        Assert.Equal(PoolType.Mpath, _driver.GetPoolCapabilities("m").Type);
        Assert.Contains(_driver.Backends.PoolCapabilities, c => c.Type == PoolType.Dir && c.Supports(PoolOperations.WipeVolume));
        Assert.Throws<ArgumentException>(() => new BackendTable([new TestDirBackend(), new TestDirBackend()], []));
    }

    private void Do(string op)
    {
        switch (op)
        {
            case "pool-delete":
                _driver.DeletePool("m");
                break;
            case "vol-create":
                _driver.CreateVolume("m", DriverFixture.Volume("n"));
                break;
            case "vol-clone":
                _driver.CloneVolume("m", "<volume><name>n</name></volume>", "m", "v");
                break;
            case "vol-delete":
                _driver.DeleteVolume("m", "v");
                break;
            case "vol-resize":
                _driver.ResizeVolume("m", "v", 1 << 20);
                break;
            case "vol-wipe":
                _driver.WipeVolume("m", "v");
                break;
            case "vol-upload":
                _driver.OpenVolume("m", "v", VolumeAccessMode.Write).Dispose();
                break;
            default:
                _driver.OpenVolume("m", "v", VolumeAccessMode.Read).Dispose();
                break;
        }
    }
}
