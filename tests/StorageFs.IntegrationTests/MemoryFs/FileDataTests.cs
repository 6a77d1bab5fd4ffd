namespace StorageFs.IntegrationTests.MemoryFs;

/// <summary>Bytes in and out of in-memory files: CREATE, OPEN, READ, WRITE, SETATTR size.</summary>
[Collection(MemoryFsCollection.Name)]
public sealed class FileDataTests(MemoryFsFixture fixture)
{
    private readonly DemoMount _mount = fixture.Mount;

    [Fact]
    public void Cat_OfHello_ReturnsTheGreeting()
    {
        Assert.Equal("Hello from StorageFs\n", _mount.Ok("cat \"$M/hello\""));
    }

    [Fact]
    public void Echo_ThenCat_ReturnsTheBytesWritten()
    {
        string dir = _mount.NewDir("echo");

        Assert.Equal("text\n", _mount.Ok("echo text > f && cat f", dir));
    }

    [Fact]
    public void EchoAppend_AddsToTheEndOfTheFile()
    {
        string dir = _mount.NewDir("append");

        string result = _mount.Ok("echo text > f && echo more >> f && cat f && stat -c %s f", dir);

        Assert.Equal("text\nmore\n10\n", result);
    }

    [Fact]
    public void Redirect_OntoALongerFile_TruncatesItFirst()
    {
        string dir = _mount.NewDir("otrunc");

        Assert.Equal("short\n", _mount.Ok("echo 'a much longer first line' > f && echo short > f && cat f", dir));
    }

    [Fact]
    public void Dd_Of100MiBFromUrandom_ReadsBackIdenticalToTheHostCopy()
    {
        string dir = _mount.NewDir("dd");

        string result = _mount.Ok("""
            dd if=/dev/urandom of="$W/dd.src" bs=1M count=100 status=none
            dd if="$W/dd.src" of=big bs=1M status=none
            stat -c %s big
            cmp "$W/dd.src" big
            sha256sum < "$W/dd.src"
            sha256sum < big
            rm big "$W/dd.src"
            """, dir, TimeSpan.FromSeconds(90));
        string[] lines = result.Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal("104857600", lines[0]);
        Assert.Equal(lines[1], lines[2]);
    }

    [Fact]
    public void Truncate_Grow_AddsZerosAndReportsTheNewSize()
    {
        string dir = _mount.NewDir("grow");

        string result = _mount.Ok("printf abcdef > f && truncate -s 10 f && stat -c %s f && od -An -c f", dir);

        string[] lines = result.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("10", lines[0]);
        Assert.Equal("a b c d e f \\0 \\0 \\0 \\0", string.Join(' ', lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries)));
    }

    [Fact]
    public void Truncate_Shrink_KeepsThePrefixAndReportsTheNewSize()
    {
        string dir = _mount.NewDir("shrink");

        string result = _mount.Ok("printf abcdef > f && truncate -s 3 f && stat -c %s f && cat f", dir);

        Assert.Equal("3\nabc", result);
    }

    [Fact]
    public void Truncate_ShrinkThenGrow_DoesNotResurrectTheOldBytes()
    {
        string dir = _mount.NewDir("regrow");

        string result = _mount.Ok("printf abcdef > f && truncate -s 2 f && truncate -s 6 f && od -An -c f", dir);

        Assert.Equal("a b \\0 \\0 \\0 \\0", string.Join(' ', result.Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries)));
    }
}
