using System.Globalization;
using System.Runtime.Versioning;
using StorageFs.Backends.Files;
using StorageFs.Core;
using Xunit.Abstractions;

namespace StorageFs.Backends.Tests;

public sealed class FsItemDirectoryTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _dir = new();

    private string Root => _dir["pool"];

    public void Dispose() => _dir.Dispose();

    private string MakeRoot()
    {
        Directory.CreateDirectory(Root);
        Directory.CreateDirectory(_dir["outside"]);
        File.WriteAllText(_dir["outside/precious"], "keep me");
        return Root;
    }

    [Theory]
    [InlineData("a/b", "item name 'a/b' cannot contain '/'")]
    [InlineData("..", "item name '..' cannot start with '.'")]
    [InlineData(".", "item name '.' cannot start with '.'")]
    [InlineData("../outside", "item name '../outside' cannot contain '/'")]
    [InlineData(".hidden", "item name '.hidden' cannot start with '.'")]
    [InlineData("", "item name '' cannot be empty")]
    [InlineData("a\0b", "item name 'a\0b' cannot contain NUL")]
    public void EveryOperation_RefusesANameThatIsNotOneSafeComponent(string name, string message)
    {
        MakeRoot();

        foreach (Action op in new Action[]
        {
            () => FsItemDirectory.Create(Root, name, (UnixFileMode)0b111_101_000),
            () => FsItemDirectory.Delete(Root, name),
            () => FsItemDirectory.MeasureAllocation(Root, name),
        })
        {
            var e = Assert.Throws<StorageException>(op);
            Assert.Equal((ErrorCode.InvalidArg, message), (e.Code, e.Message));
        }

        Assert.Equal(["precious"], Directory.GetFiles(_dir["outside"]).Select(Path.GetFileName));
    }

    [Fact]
    public void ANameTooLongForNameMax_IsRefused_ButA255ByteNameWorks()
    {
        MakeRoot();

        FsItemDirectory.Create(Root, new string('x', 255), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var e = Assert.Throws<StorageException>(() => FsItemDirectory.Create(Root, new string('x', 256), UnixFileMode.UserRead));

        Assert.Equal(ErrorCode.InvalidArg, e.Code);
    }

    [Fact]
    public void Create_SetsExactlyTheModeDespiteUmask_AndOwnerAndGroup()
    {
        MakeRoot();

        string path = FsItemDirectory.Create(Root, "item", (UnixFileMode)0b111_111_111, 1234, 5678);

        Assert.Equal(Path.Combine(Root, "item"), path);
        FileStatus status = FileFacts.Stat(path);
        Assert.Equal((FileKind.Directory, (UnixFileMode)0b111_111_111, 1234u, 5678u), (status.Kind, status.Mode, status.Uid, status.Gid));
    }

    [Fact]
    public void Create_OverAnExistingEntry_FailsWithVolExists_AndLeavesItAlone()
    {
        MakeRoot();
        File.CreateSymbolicLink(Path.Combine(Root, "taken"), _dir["outside"]);

        var e = Assert.Throws<StorageException>(() => FsItemDirectory.Create(Root, "taken", UnixFileMode.UserRead));

        Assert.Equal((ErrorCode.VolExists, $"item target path '{Root}/taken' already exists", (int?)17), (e.Code, e.Message, e.OsErrno));
        Assert.Equal(FileKind.Symlink, FileFacts.Stat(Path.Combine(Root, "taken"), followSymlinks: false).Kind);
    }

    [Fact]
    [UnsupportedOSPlatform("windows")]
    public void Delete_RemovesTheWholeTree_ButNothingSymlinksOrHardlinksInsidePointAt()
    {
        MakeRoot();
        string item = FsItemDirectory.Create(Root, "item", (UnixFileMode)0b111_000_000);
        Directory.CreateDirectory(Path.Combine(item, "a/b/c"));
        File.WriteAllText(Path.Combine(item, "a/b/c/file"), "data");
        File.WriteAllText(Path.Combine(item, "readonly"), "x");
        File.SetUnixFileMode(Path.Combine(item, "readonly"), UnixFileMode.None);
        File.CreateSymbolicLink(Path.Combine(item, "dirlink"), _dir["outside"]);
        File.CreateSymbolicLink(Path.Combine(item, "a/filelink"), _dir["outside/precious"]);
        File.CreateSymbolicLink(Path.Combine(item, "a/b/up"), "../../..");
        File.CreateSymbolicLink(Path.Combine(item, "dangling"), "/nonexistent/x");
        Shell.Run("ln", _dir["outside/precious"], Path.Combine(item, "hardlink"));
        Shell.Run("mkfifo", Path.Combine(item, "fifo"));
        Shell.Run("sh", "-c", "touch \"$1/$(printf 'bad\\377name')\"", "sh", item);

        FsItemDirectory.Delete(Root, "item");

        Assert.False(Path.Exists(item));
        Assert.Equal("keep me", File.ReadAllText(_dir["outside/precious"]));
        Assert.True(Directory.Exists(Root));
        Assert.Empty(Directory.GetFileSystemEntries(Root));
    }

    [Fact]
    public void Delete_OfAnItemThatIsASymlinkToADirectoryOutside_RemovesOnlyTheLink()
    {
        MakeRoot();
        File.CreateSymbolicLink(Path.Combine(Root, "evil"), _dir["outside"]);

        FsItemDirectory.Delete(Root, "evil");

        Assert.False(Path.Exists(Path.Combine(Root, "evil")));
        Assert.True(File.Exists(_dir["outside/precious"]));
    }

    [Fact]
    public void Delete_OfAMissingItem_FailsWithNoStorageVolAndENOENT()
    {
        MakeRoot();

        var e = Assert.Throws<StorageException>(() => FsItemDirectory.Delete(Root, "ghost"));

        Assert.Equal((ErrorCode.NoStorageVol, (int?)2), (e.Code, e.OsErrno));
    }

    [Fact]
    public void Delete_OfAVeryDeepTree_DoesNotOverflowTheStack()
    {
        MakeRoot();
        string item = FsItemDirectory.Create(Root, "deep", (UnixFileMode)0b111_000_000);
        // 1500 levels of "d/": a 3000-byte path, still under PATH_MAX (4096) for creating it.
        string leaf = Path.Combine(item, string.Concat(Enumerable.Repeat("d/", 1500)));
        Directory.CreateDirectory(leaf);
        File.WriteAllText(Path.Combine(leaf, "leaf"), "x");

        FsItemDirectory.Delete(Root, "deep");

        Assert.False(Path.Exists(item));
    }

    [Fact]
    public void Delete_RefusesToDescendIntoAMountInsideTheItem()
    {
        MakeRoot();
        string item = FsItemDirectory.Create(Root, "mounted", (UnixFileMode)0b111_000_000);
        Directory.CreateDirectory(Path.Combine(item, "bind"));
        (int code, _, string stderr) = Shell.TryRun("mount", "--bind", _dir["outside"], Path.Combine(item, "bind"));
        if (code != 0)
        {
            output.WriteLine("not run: mount --bind needs root (" + stderr.Trim() + ")");
            return;
        }

        try
        {
            var e = Assert.Throws<StorageException>(() => FsItemDirectory.Delete(Root, "mounted"));

            Assert.Equal(18, e.OsErrno); // EXDEV
            Assert.Contains("is a mount point", e.Message, StringComparison.Ordinal);
            Assert.Equal("keep me", File.ReadAllText(_dir["outside/precious"]));
        }
        finally
        {
            Shell.Run("umount", Path.Combine(item, "bind"));
        }
    }

    [Fact]
    public void DotNetDirectoryDelete_DoesNotFollowSymlinksEither_ButWalksByPath()
    {
        // Checked because the obvious implementation would be Directory.Delete(recursive: true).
        // It does not follow links (below), but it re-resolves each subdirectory by path, so a
        // directory swapped for a symlink between listing and descent would be followed:
        // FsItemDirectory walks by fd instead.
        MakeRoot();
        Directory.CreateDirectory(Path.Combine(Root, "item/sub"));
        File.CreateSymbolicLink(Path.Combine(Root, "item/sub/link"), _dir["outside"]);

        Directory.Delete(Path.Combine(Root, "item"), recursive: true);

        Assert.True(File.Exists(_dir["outside/precious"]));
    }

    [Fact]
    public void MeasureAllocation_MatchesDuSxB1_CountingHardlinksOnceAndNotFollowingSymlinks()
    {
        MakeRoot();
        string item = FsItemDirectory.Create(Root, "item", (UnixFileMode)0b111_101_101);
        Directory.CreateDirectory(Path.Combine(item, "x/y"));
        File.WriteAllBytes(Path.Combine(item, "x/one"), new byte[100_000]);
        File.WriteAllBytes(Path.Combine(item, "x/y/two"), new byte[5000]);
        Shell.Run("ln", Path.Combine(item, "x/one"), Path.Combine(item, "x/y/one-again"));
        File.WriteAllBytes(_dir["outside/big"], new byte[3_000_000]);
        File.CreateSymbolicLink(Path.Combine(item, "big"), _dir["outside/big"]);
        File.CreateSymbolicLink(Path.Combine(item, "outdir"), _dir["outside"]);
        Shell.Run("sync");

        long measured = FsItemDirectory.MeasureAllocation(Root, "item");

        long du = long.Parse(Shell.Run("du", "-sxB1", item).Split('\t')[0], CultureInfo.InvariantCulture);
        Assert.Equal(du, measured);
        Assert.InRange(measured, 105_000, 1_000_000);
    }
}
