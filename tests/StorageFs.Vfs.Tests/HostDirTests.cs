using StorageFs.Fuse;
using StorageFs.Fuse.Abi;
using StorageFs.Fuse.Nodes;
using StorageFs.Vfs.Host;

namespace StorageFs.Vfs.Tests;

/// <summary>Host-backed nodes on a real scratch directory, called as the FUSE engine calls them.</summary>
public sealed class HostDirTests : IDisposable
{
    private static readonly RequestContext Root = RequestContext.Detached(0);
    private static readonly RequestContext User = RequestContext.Detached(1234, 5678);
    private readonly string _dir = Directory.CreateTempSubdirectory("storagefs-hostdir-").FullName;
    private readonly List<(string Op, string Path, Errno Errno)> _refused = [];
    private readonly HostDir _root;

    public HostDirTests()
    {
        _root = new HostDir(_dir, TimeSpan.FromSeconds(1))
        {
            Display = "fspools/f/items/i",
            Refused = (_, op, path, errno, _) => _refused.Add((op, path, errno)),
        };
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static FuseAttr Attr(Node n)
    {
        var a = default(FuseAttr);
        Assert.Equal(Errno.Ok, n.GetAttr(Root, ref a));
        return a;
    }

    [Fact]
    public void Create_MakesAFileOwnedByTheCaller_WithExactlyTheModeAsked_WhateverTheDaemonsUmask()
    {
        Assert.Equal(Errno.Ok, _root.Create(User, "f", 0x41 /* O_WRONLY|O_CREAT */, 0x8000 | 0x1B6, out var child, out var handle));
        handle!.Release();

        var a = Attr(child!);
        Assert.Equal((0x8000u | 0x1B6u, 1234u, 5678u), (a.Mode, a.Uid, a.Gid));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite,
            File.GetUnixFileMode(Path.Combine(_dir, "f")));
    }

    [Fact]
    public void MkdirInASetGidDirectory_KeepsTheDirectorysGroup_AndTheBit()
    {
        Assert.Equal(Errno.Ok, _root.Mkdir(Root, "g", 0x1ED, out var g));
        var scratch = default(FuseAttr);
        Assert.Equal(Errno.Ok, ((HostDir)g!).SetAttr(Root, new SetattrRequest(SetattrValid.Mode | SetattrValid.Gid, 0, 0x400 | 0x1FD, 0, 4242, default, default), null, ref scratch));
        Assert.Equal(Errno.Ok, ((HostDir)g!).Mkdir(User, "sub", 0x1ED, out var sub));

        var a = Attr(sub!);
        Assert.Equal((0x4000u | 0x400u | 0x1EDu, 1234u, 4242u), (a.Mode, a.Uid, a.Gid));
    }

    [Fact]
    public void HardLinks_ShareTheInodeNumber_AndSymlinksReadBack()
    {
        Assert.Equal(Errno.Ok, _root.Create(Root, "a", 0x41, 0x81A4, out var a, out var h));
        h!.Release();
        Assert.Equal(Errno.Ok, _root.Link(Root, a!, "b", out var b));
        Assert.Equal(Errno.Ok, _root.Symlink(Root, "a", "s", out var s));

        Assert.Equal(a!.Ino, b!.Ino);
        Assert.NotEqual(0UL, a.Ino);
        Assert.Equal(2u, Attr(b).Nlink);
        Assert.Equal(Errno.Ok, ((HostSymlink)s!).Readlink(Root, out string target));
        Assert.Equal("a", target);
        Assert.Equal(0xA000u, Attr(s).Mode & 0xF000u);
    }

    [Fact]
    public void RenamingADirectory_MovesTheNodesBelowIt()
    {
        Assert.Equal(Errno.Ok, _root.Mkdir(Root, "old", 0x1ED, out var old));
        Assert.Equal(Errno.Ok, ((HostDir)old!).Create(Root, "f", 0x41, 0x81A4, out var f, out var h));
        h!.Release();

        Assert.Equal(Errno.Ok, _root.Rename(Root, "old", _root, "new", 0));

        Assert.Equal(Path.Combine(_dir, "new", "f"), ((HostFile)f!).Path);
        Assert.Equal(Errno.Ok, _root.Lookup(Root, "new", out var again));
        Assert.Same(old, again);
    }

    [Fact]
    public void Utimes_SetsNanoseconds_OnASymlinkItself()
    {
        File.WriteAllText(Path.Combine(_dir, "t"), "x");
        File.CreateSymbolicLink(Path.Combine(_dir, "l"), "t");
        Assert.Equal(Errno.Ok, _root.Lookup(Root, "l", out var l));
        var when = DateTimeOffset.FromUnixTimeSeconds(981173106).AddTicks(1234567);

        var attr = default(FuseAttr);
        Assert.Equal(Errno.Ok, ((HostNode)l!).SetAttr(Root, new SetattrRequest(SetattrValid.Mtime, 0, 0, 0, 0, default, when), null, ref attr));

        Assert.Equal((981173106UL, 123456700u), (attr.Mtime, attr.MtimeNsec));
        Assert.NotEqual(981173106L, new DateTimeOffset(File.GetLastWriteTimeUtc(Path.Combine(_dir, "t"))).ToUnixTimeSeconds());
    }

    [Fact]
    public void RefusedChanges_CarryTheHostErrno_AndAreReported_ButLookupsOfMissingNamesAreNot()
    {
        Assert.Equal(Errno.Ok, _root.Mkdir(Root, "d", 0x1ED, out var d));
        Assert.Equal(Errno.Ok, ((HostDir)d!).Mkdir(Root, "x", 0x1ED, out _));

        Assert.Equal(Errno.ENOENT, _root.Lookup(Root, "missing", out _));
        Assert.Equal(Errno.ENOTEMPTY, _root.Rmdir(Root, "d"));
        Assert.Equal(Errno.EEXIST, _root.Mkdir(Root, "d", 0x1ED, out _));
        Assert.Equal(Errno.ENOENT, _root.Unlink(Root, "missing"));

        Assert.Equal([("rmdir", "fspools/f/items/i/d", Errno.ENOTEMPTY), ("mkdir", "fspools/f/items/i/d", Errno.EEXIST), ("unlink", "fspools/f/items/i/missing", Errno.ENOENT)], _refused);
    }

    [Fact]
    public void ExtendedAttributes_RoundTrip()
    {
        Assert.Equal(Errno.Ok, _root.Create(Root, "x", 0x41, 0x81A4, out var x, out var h));
        h!.Release();
        var node = (HostNode)x!;

        Assert.Equal(Errno.Ok, node.SetXattr(Root, "user.colour", "blue"u8, 0));
        Assert.Equal(Errno.Ok, node.GetXattr(Root, "user.colour", out byte[] value));
        var names = new List<string>();
        Assert.Equal(Errno.Ok, node.ListXattr(Root, names));
        Assert.Equal(Errno.Ok, node.RemoveXattr(Root, "user.colour"));

        Assert.Equal("blue"u8.ToArray(), value);
        Assert.Contains("user.colour", names);
        Assert.Equal(Errno.ENODATA, node.GetXattr(Root, "user.colour", out _));
    }
}
