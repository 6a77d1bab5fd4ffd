using StorageFs.Core.Driver;

namespace StorageFs.Core.Tests.Driver;

/// <summary>Input meant to escape or overwhelm the driver is refused before anything is
/// created: huge documents, entity bombs, names with "/" or "..", targets outside the allowed
/// directories (directly, by "..", or by a symlink swapped in after define).</summary>
public sealed class HostileInputTests : IDisposable
{
    private readonly DriverFixture _fx = new();
    private readonly StorageDriver _driver;

    public HostileInputTests()
    {
        _driver = _fx.NewDriver();
    }

    public void Dispose() => _fx.Dispose();

    [Fact]
    public void TwoMebibyteDocument_IsRefused_AndNothingIsStored()
    {
        var padding = new string(' ', 2 << 20);
        var e = Assert.Throws<StorageException>(() => _driver.DefinePool(_fx.DirPool("p").Replace("<name>", padding + "<name>", StringComparison.Ordinal)));
        Assert.Equal(ErrorCode.XmlError, e.Code);
        Assert.Contains("over the 1048576-byte limit", e.Message, StringComparison.Ordinal);
        Assert.Empty(_driver.ListPools());
    }

    [Fact]
    public void TwoMebibyteVolumeDocument_IsRefused()
    {
        _fx.Running(_driver, "p");
        var xml = DriverFixture.Volume("v").Replace("<name>", "<!--" + new string('x', 2 << 20) + "--><name>", StringComparison.Ordinal);
        Assert.Equal(ErrorCode.XmlError, Assert.Throws<StorageException>(() => _driver.CreateVolume("p", xml)).Code);
        Assert.Empty(_driver.ListVolumes("p"));
    }

    [Fact]
    public void BillionLaughs_IsRefused()
    {
        const string bomb = "<?xml version='1.0'?><!DOCTYPE lolz [<!ENTITY lol 'lol'><!ENTITY lol2 '&lol;&lol;&lol;&lol;'>]>" +
            "<pool type='dir'><name>&lol2;</name><target><path>/srv/x</path></target></pool>";
        Assert.Equal(ErrorCode.XmlError, Assert.Throws<StorageException>(() => _driver.DefinePool(bomb)).Code);
    }

    [Theory]
    [InlineData("..")]
    [InlineData(".hidden")]
    public void PoolNameStartingWithDot_IsRefused(string name)
    {
        var e = Assert.Throws<StorageException>(() => _driver.DefinePool(_fx.DirPool(name, _fx.PoolPath("x"))));
        Assert.Equal(ErrorCode.InvalidArg, e.Code);
    }

    [Fact]
    public void TargetOutsideTheAllowedDirectories_IsDenied()
    {
        var e = Assert.Throws<StorageException>(() => _driver.DefinePool(_fx.DirPool("p", "/etc")));
        Assert.Equal(ErrorCode.OperationDenied, e.Code);
        e = Assert.Throws<StorageException>(() => _driver.DefinePool(_fx.DirPool("p", _fx.Data + "/../escape")));
        Assert.Equal(ErrorCode.OperationDenied, e.Code);
    }

    [Fact]
    public void TargetThroughASymlinkPointingOutside_IsDenied()
    {
        File.CreateSymbolicLink(Path.Combine(_fx.Data, "evil"), "/etc");
        var e = Assert.Throws<StorageException>(() => _driver.DefinePool(_fx.DirPool("p", Path.Combine(_fx.Data, "evil"))));
        Assert.Equal(ErrorCode.OperationDenied, e.Code);
        Assert.Contains("resolves to '/etc'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TargetSwappedForASymlinkAfterDefine_IsDeniedAtStartAndBuild()
    {
        var link = Path.Combine(_fx.Data, "later");
        _driver.DefinePool(_fx.DirPool("p", link));
        var outside = Directory.CreateDirectory(Path.Combine(_fx.Root, "outside")).FullName;
        File.CreateSymbolicLink(link, outside);

        Assert.Equal(ErrorCode.OperationDenied, Assert.Throws<StorageException>(() => _driver.StartPool("p")).Code);
        Assert.Equal(ErrorCode.OperationDenied, Assert.Throws<StorageException>(() => _driver.BuildPool("p")).Code);
        Assert.Equal(PoolState.Inactive, _driver.GetPoolInfo("p").State);
    }

    [Fact]
    public void ItemNameWithDotDot_IsRefused_AndNothingIsCreatedOutside()
    {
        _driver.DefineFsPool(_fx.FsPool("f"));
        _driver.BuildFsPool("f");
        _driver.StartFsPool("f");
        foreach (var name in new[] { "..", "../x", "a/b" })
        {
            var e = Assert.Throws<StorageException>(() => _driver.CreateItem("f", $"<fsitem><name>{name}</name></fsitem>"));
            Assert.Equal(ErrorCode.InvalidArg, e.Code);
        }
        Assert.Empty(Directory.GetDirectories(_fx.PoolPath("f")));
        Assert.Equal(["f"], Directory.GetDirectories(_fx.Data).Select(Path.GetFileName));
    }
}
