namespace StorageFs.IntegrationTests.MemoryFs;

/// <summary>SETATTR beyond size (mode, owner, times) and STATFS, as chmod, chown, touch and df use them.</summary>
[Collection(MemoryFsCollection.Name)]
public sealed class AttributeTests(MemoryFsFixture fixture)
{
    private readonly DemoMount _mount = fixture.Mount;

    [Fact]
    public void Chmod_ChangesTheModeAndKeepsTheFileType()
    {
        string dir = _mount.NewDir("chmod");

        Assert.Equal("600|regular empty file\n", _mount.Ok("touch f && chmod 600 f && stat -c '%a|%F' f", dir));
    }

    [Fact]
    public void Chown_ChangesOwnerAndGroup()
    {
        string dir = _mount.NewDir("chown");

        Assert.Equal("1000 2000\n", _mount.Ok("touch f && chown 1000:2000 f && stat -c '%u %g' f", dir));
    }

    [Fact]
    public void TouchD_SetsTheModificationTime()
    {
        string dir = _mount.NewDir("touch");

        Assert.Equal("981173106\n", _mount.Ok("touch f && touch -d '2001-02-03 04:05:06 UTC' f && stat -c %Y f", dir));
    }

    [Fact]
    public void Df_OfTheMount_ReportsTheFilesystemWithSpace()
    {
        string[] row = _mount.Ok("df -P \"$M\" | tail -n 1").Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal("storagefs", row[0]);
        Assert.True(long.Parse(row[1], CultureInfo.InvariantCulture) > 0, "df reports no blocks: " + string.Join(' ', row));
        Assert.Equal(_mount.MountPoint, row[^1]);
    }
}
