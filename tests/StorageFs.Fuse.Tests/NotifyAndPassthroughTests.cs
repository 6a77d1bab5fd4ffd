namespace StorageFs.Fuse.Tests;

public sealed class NotifyAndPassthroughTests
{
    [Fact]
    public void InvalidateEntry_SendsTheKernelLayout_WithUniqueZero()
    {
        var h = new Harness();
        h.Root.Children["d"] = new TestDir();
        ulong d = h.Lookup(1, "d").NodeId;
        Assert.Equal(Errno.Ok, h.Dispatcher.Notifier.InvalidateEntry(h.Root.Children["d"], "vol1"));
        byte[] msg = Assert.Single(h.Channel!.Sent);
        var head = MemoryMarshal.Read<Wire.FuseOutHeader>(msg);
        Assert.Equal((uint)msg.Length, head.Len);
        Assert.Equal((int)NotifyCode.InvalEntry, head.Error);
        Assert.Equal(0ul, head.Unique);
        var body = MemoryMarshal.Read<Wire.FuseNotifyInvalEntryOut>(msg.AsSpan(16));
        Assert.Equal(d, body.Parent);
        Assert.Equal(4u, body.NameLen);
        Assert.Equal("vol1\0", Encoding.ASCII.GetString(msg.AsSpan(32)));
    }

    [Fact]
    public void Notifications_ForNodesTheKernelDoesNotKnow_SendNothing()
    {
        var h = new Harness();
        var unknown = new TestFile([]);
        Assert.Equal(Errno.Ok, h.Dispatcher.Notifier.InvalidateInode(unknown));
        Assert.Equal(Errno.Ok, h.Dispatcher.Notifier.Delete(h.Root, unknown, "x")); // falls back to INVAL_ENTRY on the root
        var msg = Assert.Single(h.Channel!.Sent);
        Assert.Equal((int)NotifyCode.InvalEntry, MemoryMarshal.Read<Wire.FuseOutHeader>(msg).Error);
    }

    [Fact]
    public void InvalidateInode_AndDelete_CarryTheNodeIds()
    {
        var h = new Harness();
        var file = new TestFile([]);
        h.Root.Children["f"] = file;
        ulong f = h.Lookup(1, "f").NodeId;
        h.Dispatcher.Notifier.InvalidateInode(file, 4096, 100);
        h.Dispatcher.Notifier.Delete(h.Root, file, "f");
        var inval = MemoryMarshal.Read<Wire.FuseNotifyInvalInodeOut>(h.Channel!.Sent[0].AsSpan(16));
        Assert.Equal((f, 4096L, 100L), (inval.Ino, inval.Off, inval.Len));
        Assert.Equal((int)NotifyCode.Delete, MemoryMarshal.Read<Wire.FuseOutHeader>(h.Channel.Sent[1]).Error);
        var del = MemoryMarshal.Read<Wire.FuseNotifyDeleteOut>(h.Channel.Sent[1].AsSpan(16));
        Assert.Equal((1ul, f, 1u), (del.Parent, del.Child, del.NameLen));
    }

    [Fact]
    public void Open_OfABackedFile_UsesPassthrough_SharingOneBackingIdPerNode()
    {
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "backing bytes");
            var h = new Harness();
            h.Root.Children["b"] = new TestFile([]) { BackingPath = path };
            ulong id = h.Lookup(1, "b").NodeId;
            var o1 = h.Send(Req.Make(Opcode.Open, id, Req.Bytes(new Wire.FuseOpenIn { Flags = 0 }))).As<Wire.FuseOpenOut>();
            var o2 = h.Send(Req.Make(Opcode.Open, id, Req.Bytes(new Wire.FuseOpenIn { Flags = 2 }))).As<Wire.FuseOpenOut>();
            Assert.True(((OpenReplyFlags)o1.OpenFlags).HasFlag(OpenReplyFlags.Passthrough));
            Assert.True(((OpenReplyFlags)o2.OpenFlags).HasFlag(OpenReplyFlags.Passthrough));
            Assert.Equal(7, o1.BackingId);
            Assert.Equal(7, o2.BackingId);
            Assert.Single(h.Channel!.OpenedFds);

            h.Send(Req.Make(Opcode.Release, id, Req.Bytes(new Wire.FuseReleaseIn { Fh = o1.Fh })));
            Assert.Empty(h.Channel.Closed);
            h.Send(Req.Make(Opcode.Release, id, Req.Bytes(new Wire.FuseReleaseIn { Fh = o2.Fh })));
            Assert.Equal([7], h.Channel.Closed);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Open_WhenTheKernelRefusesPassthrough_ServesTheSameBytesItself()
    {
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "backing bytes");
            var h = new Harness();
            h.Channel!.RefuseBacking = Errno.EPERM;
            h.Root.Children["b"] = new TestFile([]) { BackingPath = path };
            ulong id = h.Lookup(1, "b").NodeId;
            var o = h.Send(Req.Make(Opcode.Open, id, Req.Bytes(new Wire.FuseOpenIn { Flags = 2 }))).As<Wire.FuseOpenOut>();
            Assert.False(((OpenReplyFlags)o.OpenFlags).HasFlag(OpenReplyFlags.Passthrough));
            Assert.Equal("backing bytes", Encoding.ASCII.GetString(h.Send(Req.Read(id, o.Fh, 0, 100)).Body));
            var w = new Wire.FuseWriteIn { Fh = o.Fh, Offset = 0, Size = 7 };
            Assert.Equal(0, h.Send(Req.Make(Opcode.Write, id, Req.Cat(Req.Bytes(w), "BACKING"u8.ToArray()))).Error);
            Assert.Equal("BACKING bytes", File.ReadAllText(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Open_OfAHandleOfferingNoPassthrough_NeverAsksTheKernel_AndServesTheBytesItself()
    {
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "device bytes");
            var h = new Harness();
            h.Root.Children["d"] = new TestFile([]) { BackingPath = path, NoPassthrough = true };
            ulong id = h.Lookup(1, "d").NodeId;
            var o = h.Send(Req.Make(Opcode.Open, id, Req.Bytes(new Wire.FuseOpenIn { Flags = 2 }))).As<Wire.FuseOpenOut>();
            Assert.False(((OpenReplyFlags)o.OpenFlags).HasFlag(OpenReplyFlags.Passthrough));
            Assert.Empty(h.Channel!.OpenedFds);
            Assert.Equal("device bytes", Encoding.ASCII.GetString(h.Send(Req.Read(id, o.Fh, 0, 100)).Body));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
