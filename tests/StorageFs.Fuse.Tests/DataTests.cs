namespace StorageFs.Fuse.Tests;

public sealed class DataTests
{
    [Fact]
    public void Read_ReturnsTheRequestedSlice_AndShortAtEndOfFile()
    {
        var h = new Harness();
        h.Root.Children["f"] = new TestFile(Encoding.ASCII.GetBytes("0123456789"));
        ulong id = h.Lookup(1, "f").NodeId;
        ulong fh = h.Open(id);
        var r = h.Send(Req.Read(id, fh, 3, 4));
        Assert.Equal(0, r.Error);
        Assert.Equal("3456", Encoding.ASCII.GetString(r.Body));
        Assert.Equal("89", Encoding.ASCII.GetString(h.Send(Req.Read(id, fh, 8, 100)).Body));
        Assert.Equal(0, h.Send(Req.Read(id, fh, 50, 100)).Body.Length);
    }

    [Fact]
    public void Read_LargerThanMaxWrite_IsClampedToTheReplyBuffer()
    {
        var h = new Harness(new FuseServerOptions { MaxWrite = 4096 });
        h.Root.Children["f"] = new TestFile(new byte[10000]);
        ulong id = h.Lookup(1, "f").NodeId;
        var r = h.Send(Req.Read(id, h.Open(id), 0, 1 << 20));
        Assert.Equal(4096, r.Body.Length);
    }

    [Fact]
    public void Write_StoresTheBytes_AndRepliesWithTheCount()
    {
        var h = new Harness();
        var file = new TestFile([]);
        h.Root.Children["f"] = file;
        ulong id = h.Lookup(1, "f").NodeId;
        ulong fh = h.Open(id);
        byte[] data = Encoding.ASCII.GetBytes("hello world");
        var w = new Wire.FuseWriteIn { Fh = fh, Offset = 5, Size = (uint)data.Length };
        var r = h.Send(Req.Make(Opcode.Write, id, Req.Cat(Req.Bytes(w), data)));
        Assert.Equal(0, r.Error);
        Assert.Equal((uint)data.Length, r.As<Wire.FuseWriteOut>().Size);
        Assert.Equal("hello world", Encoding.ASCII.GetString(file.Data, 5, data.Length));
    }

    [Fact]
    public void ReadWrite_OnAnUnknownHandle_GetEBADF()
    {
        var h = new Harness();
        Assert.Equal(-(int)Errno.EBADF, h.Send(Req.Read(1, 999, 0, 10)).Error);
    }

    [Fact]
    public void Release_ForgetsTheHandle()
    {
        var h = new Harness();
        h.Root.Children["f"] = new TestFile([1, 2, 3]);
        ulong id = h.Lookup(1, "f").NodeId;
        ulong fh = h.Open(id);
        Assert.Equal(1, h.Dispatcher.OpenFileCount);
        Assert.Equal(0, h.Send(Req.Make(Opcode.Release, id, Req.Bytes(new Wire.FuseReleaseIn { Fh = fh }))).Error);
        Assert.Equal(0, h.Dispatcher.OpenFileCount);
        Assert.Equal(-(int)Errno.EBADF, h.Send(Req.Read(id, fh, 0, 3)).Error);
    }

    [Fact]
    public void Xattr_SizeZeroAsksTheLength_TooSmallIsERANGE_ListIsNulSeparated()
    {
        var h = new Harness();
        h.Root.Xattrs["user.b"] = "bee"u8.ToArray();
        var set = Req.Cat(Req.Bytes(new Wire.FuseGetxattrIn { Size = 5 }), Req.Name("user.a"), "alpha"u8.ToArray());
        Assert.Equal(0, h.Send(Req.Make(Opcode.Setxattr, 1, set)).Error);
        Assert.Equal("alpha", Encoding.ASCII.GetString(h.Root.Xattrs["user.a"]));

        var ask = h.Send(Req.Make(Opcode.Getxattr, 1, Req.Cat(Req.Bytes(new Wire.FuseGetxattrIn { Size = 0 }), Req.Name("user.a"))));
        Assert.Equal(5u, ask.As<Wire.FuseGetxattrOut>().Size);
        var tooSmall = h.Send(Req.Make(Opcode.Getxattr, 1, Req.Cat(Req.Bytes(new Wire.FuseGetxattrIn { Size = 2 }), Req.Name("user.a"))));
        Assert.Equal(-(int)Errno.ERANGE, tooSmall.Error);
        var get = h.Send(Req.Make(Opcode.Getxattr, 1, Req.Cat(Req.Bytes(new Wire.FuseGetxattrIn { Size = 64 }), Req.Name("user.a"))));
        Assert.Equal("alpha", Encoding.ASCII.GetString(get.Body));

        var list = h.Send(Req.Make(Opcode.Listxattr, 1, Req.Bytes(new Wire.FuseGetxattrIn { Size = 64 })));
        Assert.Equal("user.a\0user.b\0", Encoding.ASCII.GetString(list.Body));
        Assert.Equal(0, h.Send(Req.Make(Opcode.Removexattr, 1, Req.Name("user.a"))).Error);
        Assert.Equal(-(int)Errno.ENODATA, h.Send(Req.Make(Opcode.Removexattr, 1, Req.Name("user.a"))).Error);
    }
}

public sealed class FlushTests
{
    [Fact]
    public void Open_OfAHandleWithoutFlush_AsksTheKernelNotToSendFlush()
    {
        var h = new Harness();
        h.Root.Children["f"] = new TestFile([1, 2, 3]);
        ulong id = h.Lookup(1, "f").NodeId;
        var o = h.Send(Req.Make(Opcode.Open, id, Req.Bytes(new Wire.FuseOpenIn { Flags = 0 }))).As<Wire.FuseOpenOut>();
        Assert.Equal((uint)OpenReplyFlags.NoFlush, o.OpenFlags & (uint)OpenReplyFlags.NoFlush);
    }

    [Fact]
    public void Open_OfAHandleThatFlushes_KeepsFlush_AndFlushErrorsReachTheReply()
    {
        var h = new Harness();
        int flushes = 0;
        h.Root.Children["f"] = new TestFile([1, 2, 3]) { OnFlush = () => { flushes++; return Errno.EIO; } };
        ulong id = h.Lookup(1, "f").NodeId;
        var o = h.Send(Req.Make(Opcode.Open, id, Req.Bytes(new Wire.FuseOpenIn { Flags = 0 }))).As<Wire.FuseOpenOut>();
        Assert.Equal(0u, o.OpenFlags & (uint)OpenReplyFlags.NoFlush);
        var r = h.Send(Req.Make(Opcode.Flush, id, Req.Bytes(new Wire.FuseFlushIn { Fh = o.Fh })));
        Assert.Equal(-(int)Errno.EIO, r.Error);
        Assert.Equal(1, flushes);
    }
}
