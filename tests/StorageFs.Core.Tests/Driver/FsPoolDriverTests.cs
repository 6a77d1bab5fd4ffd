using StorageFs.Core.Driver;

namespace StorageFs.Core.Tests.Driver;

/// <summary>fspools share the pool state machine, with the fspool series' messages.</summary>
public sealed class FsPoolDriverTests : IDisposable
{
    private readonly DriverFixture _fx = new();
    private readonly StorageDriver _driver;

    public FsPoolDriverTests()
    {
        _driver = _fx.NewDriver();
    }

    public void Dispose() => _fx.Dispose();

    [Fact]
    public void FsPool_Lifecycle_WithItems()
    {
        var events = new List<string>();
        _driver.Changed += (_, e) => events.Add(e.ToString());
        _driver.DefineFsPool(_fx.FsPool("f"));
        Assert.Equal("Requested operation is not valid: fspool 'f' is not active",
            Assert.Throws<StorageException>(() => _driver.ListItems("f")).Message);
        _driver.BuildFsPool("f");
        _driver.StartFsPool("f");
        var item = _driver.CreateItem("f", "<fsitem><name>i</name></fsitem>");
        Assert.Equal(Path.Combine(_fx.PoolPath("f"), "i"), item.Path);
        Assert.Equal("item 'i' exists already",
            Assert.Throws<StorageException>(() => _driver.CreateItem("f", "<fsitem><name>i</name></fsitem>")).Message);
        Assert.Contains("<name>i</name>", _driver.GetItemXml("f", "i"), StringComparison.Ordinal);
        Assert.Equal("Requested operation is not valid: fspool 'f' is already active",
            Assert.Throws<StorageException>(() => _driver.StartFsPool("f")).Message);
        _driver.DeleteItem("f", "i");
        _driver.StopFsPool("f");
        _driver.DeleteFsPool("f");
        _driver.UndefineFsPool("f");

        Assert.Equal(
        [
            "PoolDefined FsPool 'f'", "PoolBuilt FsPool 'f'", "PoolStarted FsPool 'f'", "VolumeCreated FsPool 'f' 'i'",
            "VolumeDeleted FsPool 'f' 'i'", "PoolStopped FsPool 'f'", "PoolDeleted FsPool 'f'", "PoolUndefined FsPool 'f'",
        ], events);
        Assert.False(Directory.Exists(_fx.PoolPath("f")));
    }

    [Fact]
    public void FsPool_Duplicates_UseFsPoolWording()
    {
        var first = _driver.DefineFsPool(_fx.FsPool("f"));
        Assert.Equal($"operation failed: fspool 'f' already exists with uuid {first.Uuid:D}",
            Assert.Throws<StorageException>(() => _driver.DefineFsPool(_fx.FsPool("f", _fx.PoolPath("g")))).Message);
        Assert.Equal($"operation failed: fspool 'f' is already defined with uuid {first.Uuid:D}",
            Assert.Throws<StorageException>(() => _driver.DefineFsPool(_fx.FsPool("g", uuid: first.Uuid))).Message);
        Assert.Equal("fspool not found: no fspool with matching name 'nope'",
            Assert.Throws<StorageException>(() => _driver.StartFsPool("nope")).Message);
    }

    [Fact]
    public void FsPool_WithoutCloneSupport_RefusesClone()
    {
        _driver.DefineFsPool(_fx.FsPool("f"));
        _driver.StartFsPool("f", Backend.PoolBuildFlags.None);
        _driver.CreateItem("f", "<fsitem><name>i</name></fsitem>");
        var e = Assert.Throws<StorageException>(() => _driver.CloneItem("f", "<fsitem><name>j</name></fsitem>", "f", "i"));
        Assert.Equal("this function is not supported by the connection driver: fspool does not support item creation from an existing item", e.Message);
        Assert.Single(_driver.ListItems("f"));
    }
}
