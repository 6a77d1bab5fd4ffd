namespace StorageFs.IntegrationTests.MemoryFs;

/// <summary>Extended attributes through setfattr/getfattr: SETXATTR, GETXATTR, LISTXATTR, REMOVEXATTR.</summary>
[Collection(MemoryFsCollection.Name)]
public sealed class XattrTests
{
    private readonly DemoMount _mount;

    public XattrTests(MemoryFsFixture fixture)
    {
        Preflight.RequireTool("setfattr", "attr");
        _mount = fixture.Mount;
    }

    [Fact]
    public void Setfattr_ThenGetfattr_ReturnsTheValue()
    {
        string dir = _mount.NewDir("xattr");

        string value = _mount.Ok("touch f && setfattr -n user.k -v v f && getfattr --only-values -n user.k f", dir);

        Assert.Equal("v", value);
    }

    [Fact]
    public void GetfattrDump_ListsEveryUserAttribute()
    {
        string dir = _mount.NewDir("xattrdump");

        string dump = _mount.Ok("touch f && setfattr -n user.k -v v f && setfattr -n user.other -v 'two words' f && getfattr -d f", dir);

        Assert.Contains("user.k=\"v\"", dump, StringComparison.Ordinal);
        Assert.Contains("user.other=\"two words\"", dump, StringComparison.Ordinal);
    }

    [Fact]
    public void SetfattrRemove_MakesTheAttributeDisappear()
    {
        string dir = _mount.NewDir("xattrrm");
        _mount.Ok("touch f && setfattr -n user.k -v v f && setfattr -n user.keep -v 1 f && setfattr -x user.k f", dir);

        _mount.Fails("getfattr -n user.k f", "No such attribute", dir);

        string dump = _mount.Ok("getfattr -d f", dir);
        Assert.DoesNotContain("user.k=", dump, StringComparison.Ordinal);
        Assert.Contains("user.keep=\"1\"", dump, StringComparison.Ordinal);
    }

    [Fact]
    public void Getfattr_OfAMissingAttribute_FailsWithNoSuchAttribute()
    {
        string dir = _mount.NewDir("xattrmissing");
        _mount.Ok("touch f", dir);

        _mount.Fails("getfattr -n user.never.set f", "No such attribute", dir);
    }

    [Fact]
    public void Setfattr_OnADirectory_IsKeptOnTheDirectory()
    {
        string dir = _mount.NewDir("xattrdir");

        Assert.Equal("dirvalue", _mount.Ok("mkdir d && setfattr -n user.d -v dirvalue d && getfattr --only-values -n user.d d", dir));
    }
}
