namespace StorageFs.IntegrationTests.MemoryFs;

/// <summary>The engine's errno replies reach the shell as the usual messages.</summary>
[Collection(MemoryFsCollection.Name)]
public sealed class ErrorTests(MemoryFsFixture fixture)
{
    private readonly DemoMount _mount = fixture.Mount;

    [Fact]
    public void Cat_OfAMissingFile_FailsWithNoSuchFileOrDirectory()
    {
        _mount.Fails("cat \"$M/nosuch\"", "No such file or directory");
    }

    [Fact]
    public void Mkdir_OfAnExistingName_FailsWithFileExists()
    {
        _mount.Fails("mkdir \"$M/hello\"", "File exists");
    }

    [Fact]
    public void Mkdir_OfAnExistingDirectory_FailsWithFileExists()
    {
        string dir = _mount.NewDir("eexist");
        _mount.Ok("mkdir d", dir);

        _mount.Fails("mkdir d", "File exists", dir);
    }

    [Fact]
    public void Rmdir_OfAFile_FailsWithNotADirectory()
    {
        _mount.Fails("rmdir \"$M/hello\"", "Not a directory");
    }
}
