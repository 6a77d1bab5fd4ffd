namespace StorageFs.IntegrationTests.MemoryFs;

/// <summary>Names in the in-memory tree: MKDIR, RMDIR, RENAME, UNLINK, SYMLINK, READLINK, LINK.</summary>
[Collection(MemoryFsCollection.Name)]
public sealed class NamespaceTests(MemoryFsFixture fixture)
{
    private readonly DemoMount _mount = fixture.Mount;

    [Fact]
    public void Mkdir_CreatesAnEmptyDirectory()
    {
        string dir = _mount.NewDir("mkdir");

        string result = _mount.Ok("mkdir sub && stat -c '%F|%a' sub && ls -A sub | wc -l", dir);

        Assert.Equal("directory|755\n0\n", result);
    }

    [Fact]
    public void Rmdir_OfAnEmptyDirectory_RemovesIt()
    {
        string dir = _mount.NewDir("rmdir");

        string result = _mount.Ok("mkdir sub && rmdir sub && ls -A | wc -l && if [ -e sub ]; then echo still there; fi", dir);

        Assert.Equal("0\n", result);
    }

    [Fact]
    public void Rmdir_OfANonEmptyDirectory_FailsWithDirectoryNotEmpty()
    {
        string dir = _mount.NewDir("notempty");
        _mount.Ok("mkdir sub && touch sub/f", dir);

        _mount.Fails("rmdir sub", "Directory not empty", dir);

        Assert.Equal("f\n", _mount.Ok("ls sub", dir));
    }

    [Fact]
    public void Mv_WithinADirectory_RenamesTheFileAndKeepsItsBytes()
    {
        string dir = _mount.NewDir("mv");

        string result = _mount.Ok("echo payload > a && mv a b && ls && cat b", dir);

        Assert.Equal("b\npayload\n", result);
    }

    [Fact]
    public void Mv_AcrossDirectories_MovesTheFile()
    {
        string dir = _mount.NewDir("mvx");

        string result = _mount.Ok("mkdir x y && echo payload > x/a && mv x/a y/b && ls -A x | wc -l && ls y && cat y/b", dir);

        Assert.Equal("0\nb\npayload\n", result);
    }

    [Fact]
    public void Mv_OntoAnExistingFile_ReplacesIt()
    {
        string dir = _mount.NewDir("mvover");

        string result = _mount.Ok("echo new > a && echo old > b && mv -f a b && ls && cat b", dir);

        Assert.Equal("b\nnew\n", result);
    }

    [Fact]
    public void Mv_OfADirectory_MovesItsContentsWithIt()
    {
        string dir = _mount.NewDir("mvdir");

        string result = _mount.Ok("mkdir -p x/d && echo inside > x/d/f && mkdir y && mv x/d y/e && cat y/e/f && ls -A x | wc -l", dir);

        Assert.Equal("inside\n0\n", result);
    }

    [Fact]
    public void Rm_RemovesTheFile()
    {
        string dir = _mount.NewDir("rm");

        string result = _mount.Ok("echo x > f && echo y > g && rm f && ls", dir);

        Assert.Equal("g\n", result);
        _mount.Fails("cat f", "No such file or directory", dir);
    }

    [Fact]
    public void LnS_ThenReadlinkAndCat_FollowTheLink()
    {
        string dir = _mount.NewDir("symlink");

        string result = _mount.Ok("mkdir d && echo target > d/t && ln -s d/t l && readlink l && cat l && stat -c '%F|%s' l", dir);

        Assert.Equal("d/t\ntarget\nsymbolic link|3\n", result);
    }

    [Fact]
    public void Ln_HardLink_SharesTheBytesAndCountsTwoLinks()
    {
        string dir = _mount.NewDir("hardlink");

        string result = _mount.Ok("""
            echo one > a
            ln a b
            stat -c '%h %i' a b
            echo two >> b
            cat a
            rm a
            stat -c %h b
            """, dir);
        string[] lines = result.Split('\n');

        string[] a = lines[0].Split(' '), b = lines[1].Split(' ');
        Assert.Equal("2", a[0]);
        Assert.Equal("2", b[0]);
        Assert.Equal(a[1], b[1]); // one inode
        Assert.Equal("one", lines[2]);
        Assert.Equal("two", lines[3]);
        Assert.Equal("1", lines[4]);
    }
}
