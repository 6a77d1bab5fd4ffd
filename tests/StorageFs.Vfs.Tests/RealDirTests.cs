using StorageFs.Fuse;
using StorageFs.Fuse.Abi;
using StorageFs.Fuse.Nodes;
using StorageFs.Vfs.Real;
using StorageFs.Interop;

namespace StorageFs.Vfs.Tests;

/// <summary>Host-backed nodes on a real scratch directory, called as the FUSE engine calls them.</summary>
public sealed class RealDirTests : IDisposable
{
    private static readonly RequestContext Root = RequestContext.Detached(0);
    private static readonly RequestContext User = RequestContext.Detached(1234, 5678);
    private readonly string _dir = Directory.CreateTempSubdirectory("storagefs-hostdir-").FullName;
    private readonly List<(string Op, string Path, Errno Errno)> _refused = [];
    private readonly RealDir _root;

    public RealDirTests()
    {
        _root = new RealDir(_dir, TimeSpan.FromSeconds(1))
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
        File.SetUnixFileMode(_dir, (UnixFileMode)0x1FF);
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
        Assert.Equal(Errno.Ok, ((RealDir)g!).SetAttr(Root, new SetattrRequest(SetattrValid.Mode | SetattrValid.Gid, 0, 0x400 | 0x1FF, 0, 4242, default, default), null, ref scratch));
        Assert.Equal(Errno.Ok, ((RealDir)g!).Mkdir(User, "sub", 0x1ED, out var sub));

        var a = Attr(sub!);
        Assert.Equal((0x4000u | 0x400u | 0x1EDu, 1234u, 4242u), (a.Mode, a.Uid, a.Gid)); // made by the host as the caller: no chown, no chmod afterwards
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
        Assert.Equal(Errno.Ok, ((RealSymlink)s!).Readlink(Root, out string target));
        Assert.Equal("a", target);
        Assert.Equal(0xA000u, Attr(s).Mode & 0xF000u);
    }

    [Fact]
    public void RenamingADirectory_MovesTheNodesBelowIt()
    {
        Assert.Equal(Errno.Ok, _root.Mkdir(Root, "old", 0x1ED, out var old));
        Assert.Equal(Errno.Ok, ((RealDir)old!).Create(Root, "f", 0x41, 0x81A4, out var f, out var h));
        h!.Release();

        Assert.Equal(Errno.Ok, _root.Rename(Root, "old", _root, "new", 0));

        var attr = default(FuseAttr);
        Assert.Equal(Errno.Ok, ((RealFile)f!).SetAttr(Root, new SetattrRequest(SetattrValid.Mode, 0, 0x180, 0, 0, default, default), null, ref attr));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_dir, "new", "f")));
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
        Assert.Equal(Errno.Ok, ((RealNode)l!).SetAttr(Root, new SetattrRequest(SetattrValid.Mtime, 0, 0, 0, 0, default, when), null, ref attr));

        Assert.Equal((981173106UL, 123456700u), (attr.Mtime, attr.MtimeNsec));
        Assert.NotEqual(981173106L, new DateTimeOffset(File.GetLastWriteTimeUtc(Path.Combine(_dir, "t"))).ToUnixTimeSeconds());
    }

    [Fact]
    public void RefusedChanges_CarryTheHostErrno_AndAreReported_ButLookupsOfMissingNamesAreNot()
    {
        Assert.Equal(Errno.Ok, _root.Mkdir(Root, "d", 0x1ED, out var d));
        Assert.Equal(Errno.Ok, ((RealDir)d!).Mkdir(Root, "x", 0x1ED, out _));

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
        var node = (RealNode)x!;

        Assert.Equal(Errno.Ok, node.SetXattr(Root, "user.colour", "blue"u8, 0));
        Assert.Equal(Errno.Ok, node.GetXattr(Root, "user.colour", out byte[] value));
        var names = new List<string>();
        Assert.Equal(Errno.Ok, node.ListXattr(Root, names));
        Assert.Equal(Errno.Ok, node.RemoveXattr(Root, "user.colour"));

        Assert.Equal("blue"u8.ToArray(), value);
        Assert.Contains("user.colour", names);
        Assert.Equal(Errno.ENODATA, node.GetXattr(Root, "user.colour", out _));
    }

    [Fact]
    public void ADirectorySwappedForASymlink_IsNeverFollowed_TheNodeKeepsActingOnItsOwnDirectory()
    {
        string outside = Directory.CreateTempSubdirectory("storagefs-outside-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(outside, "secret"), "root only");
            Assert.Equal(Errno.Ok, _root.Mkdir(Root, "d", 0x1ED, out var d));
            Directory.Move(Path.Combine(_dir, "d"), Path.Combine(_dir, "away"));
            File.CreateSymbolicLink(Path.Combine(_dir, "d"), outside);

            var dir = (RealDir)d!;
            Assert.Equal(Errno.ENOENT, dir.Lookup(Root, "secret", out _));
            Assert.Equal(Errno.Ok, dir.Create(Root, "new", 0x41, 0x81A4, out _, out var h));
            h!.Release();
            Assert.Equal(Errno.Ok, dir.Unlink(Root, "new"));
            Assert.Equal(Errno.ENOENT, dir.Unlink(Root, "secret"));
            Assert.Equal(Errno.Ok, _root.Lookup(Root, "d", out var link));

            Assert.IsType<RealSymlink>(link);
            Assert.Equal(["secret"], Directory.GetFileSystemEntries(outside).Select(Path.GetFileName));
            Assert.Equal("root only", File.ReadAllText(Path.Combine(outside, "secret")));
        }
        finally
        {
            Directory.Delete(outside, recursive: true);
        }
    }

    [Fact]
    public void AFileLookedUp_HoldsNoDescriptorUntilItIsOpened_ADirectoryHoldsOneAtOnce()
    {
        File.WriteAllText(Path.Combine(_dir, "f"), "12345");
        Directory.CreateDirectory(Path.Combine(_dir, "d"));

        Assert.Equal(Errno.Ok, _root.Lookup(Root, "f", out var f));
        Assert.Equal(Errno.Ok, _root.Lookup(Root, "d", out var d));
        var file = (RealFile)f!;
        Assert.False(file.HoldsDescriptor);
        Assert.Equal(5ul, Attr(file).Size); // a stat, still no descriptor
        Assert.False(file.HoldsDescriptor);
        Assert.True(((RealDir)d!).HoldsDescriptor);

        Assert.Equal(Errno.Ok, file.Open(Root, 0 /* O_RDONLY */, out var h));
        h!.Release();
        Assert.True(file.HoldsDescriptor);
    }

    [Fact]
    public void AFileSwappedForASymlinkBeforeItsFirstOpen_IsNeverFollowed_TheNodeIsStale()
    {
        string outside = Directory.CreateTempSubdirectory("storagefs-outside-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(outside, "secret"), "root only");
            File.WriteAllText(Path.Combine(_dir, "f"), "mine");
            Assert.Equal(Errno.Ok, _root.Lookup(Root, "f", out var f));
            File.Move(Path.Combine(_dir, "f"), Path.Combine(_dir, "away"));
            File.CreateSymbolicLink(Path.Combine(_dir, "f"), Path.Combine(outside, "secret"));

            var file = (RealFile)f!;
            var a = default(FuseAttr);
            Assert.Equal(Errno.ESTALE, file.GetAttr(Root, ref a));
            Assert.Equal(Errno.ESTALE, file.Open(Root, 2 /* O_RDWR */, out _));
            Assert.Equal(Errno.ESTALE, file.SetAttr(Root, new SetattrRequest(SetattrValid.Size, 0, 0, 0, 0, default, default), null, ref a));
            Assert.False(file.HoldsDescriptor);
            Assert.Equal(Errno.Ok, _root.Lookup(Root, "f", out var again)); // the kernel looks the name up again
            Assert.IsType<RealSymlink>(again);
            Assert.Equal("root only", File.ReadAllText(Path.Combine(outside, "secret")));
        }
        finally
        {
            Directory.Delete(outside, recursive: true);
        }
    }

    [Fact]
    public void AUser_CannotCreateInARootDirectory_TheHostRefusesIt()
    {
        File.SetUnixFileMode(_dir, (UnixFileMode)0x1ED);

        Assert.Equal(Errno.EACCES, _root.Create(User, "f", 0x41, 0x81A4, out _, out _));
        Assert.Equal(Errno.EACCES, _root.Mkdir(User, "g", 0x1ED, out _));
        Assert.Equal(Errno.EACCES, _root.Symlink(User, "x", "s", out _));

        Assert.Empty(Directory.GetFileSystemEntries(_dir));
    }

    [Fact]
    public void AnUnlinkedOpenFile_KeepsItsAttributes_AndCanBeTruncatedAndChmodded()
    {
        Assert.Equal(Errno.Ok, _root.Create(Root, "u", 0x42, 0x81A4, out var u, out var h));
        var node = (RealFile)u!;
        Assert.Equal(Errno.Ok, h!.Write(Root, 0, "hello"u8, out _));
        Assert.Equal(Errno.Ok, _root.Unlink(Root, "u"));

        var attr = default(FuseAttr);
        Assert.Equal(Errno.Ok, node.SetAttr(Root, new SetattrRequest(SetattrValid.Size, 2, 0, 0, 0, default, default), h, ref attr));
        Assert.Equal(Errno.Ok, node.SetAttr(Root, new SetattrRequest(SetattrValid.Mode, 0, 0x180, 0, 0, default, default), null, ref attr));
        var viaHandle = default(FuseAttr);
        Assert.Equal(Errno.Ok, node.GetAttr(Root, h, ref viaHandle));
        h.Release();

        Assert.Equal((0u, 2UL, 0x8180u), (attr.Nlink, attr.Size, attr.Mode));
        Assert.Equal((0u, 2UL), (viaHandle.Nlink, viaHandle.Size));
    }

    [Fact]
    public void PathsLongerThanPathMax_WorkBelowTheRoot()
    {
        // 40 levels of 200-byte names: 8,000 bytes below the root, twice PATH_MAX.
        var chain = new List<(RealDir Parent, string Name)>();
        var dir = _root;
        for (int i = 0; i < 40; i++)
        {
            string name = new((char)('a' + (i % 26)), 200);
            Assert.Equal(Errno.Ok, dir.Mkdir(Root, name, 0x1ED, out var sub));
            chain.Add((dir, name));
            dir = (RealDir)sub!;
        }
        Assert.Equal(Errno.Ok, dir.Create(Root, "f", 0x41, 0x81A4, out _, out var h));
        h!.Release();
        Assert.Equal(Errno.Ok, dir.Rename(Root, "f", dir, "g", 0));
        Assert.Equal(Errno.Ok, dir.Lookup(Root, "g", out var g));

        Assert.Equal(0x8000u, Attr(g!).Mode & 0xF000u);
        Assert.Equal(Errno.Ok, dir.Unlink(Root, "g"));
        for (int i = chain.Count - 1; i >= 0; i--)
            Assert.Equal(Errno.Ok, chain[i].Parent.Rmdir(Root, chain[i].Name));
    }

    [Fact]
    public void ExtendedAttributesOfASymlink_AreTheLinksOwn_NotItsTargets()
    {
        File.WriteAllText(Path.Combine(_dir, "t"), "x");
        File.CreateSymbolicLink(Path.Combine(_dir, "l"), "t");
        Assert.Equal(Errno.Ok, _root.Lookup(Root, "l", out var l));
        var link = (RealNode)l!;

        Assert.Equal(Errno.Ok, link.SetXattr(Root, "trusted.colour", "red"u8, 0));
        Assert.Equal(Errno.Ok, link.GetXattr(Root, "trusted.colour", out byte[] value));
        Assert.Equal(Errno.Ok, _root.Lookup(Root, "t", out var t));

        Assert.Equal("red"u8.ToArray(), value);
        Assert.Equal(Errno.ENODATA, ((RealNode)t!).GetXattr(Root, "trusted.colour", out _));
    }

    [Fact]
    public void ASetattrThatChangesNothing_IsChownMinusOne_WhichMovesCtimeAsTheHostDoes()
    {
        Assert.Equal(Errno.Ok, _root.Create(Root, "c", 0x41, 0x81A4, out var c, out var h));
        h!.Release();
        var before = Attr(c!);
        Thread.Sleep(20); // let the host's clock tick (ext4 stamps ctime at jiffy granularity)

        var after = default(FuseAttr);
        Assert.Equal(Errno.Ok, ((RealNode)c!).SetAttr(Root, new SetattrRequest(SetattrValid.None, 0, 0, 0, 0, default, default), null, ref after));

        Assert.True((after.Ctime, after.CtimeNsec).CompareTo((before.Ctime, before.CtimeNsec)) > 0, $"ctime {before.Ctime}.{before.CtimeNsec} -> {after.Ctime}.{after.CtimeNsec}");
    }
}
