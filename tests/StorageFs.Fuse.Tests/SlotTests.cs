namespace StorageFs.Fuse.Tests;

/// <summary>
/// A node's fixed children kept as slots of it (INodeSlots): ids made of the node's number and
/// the index, served by a child made for each request, counted on the node, and gone with the
/// last lookup of the node and its children.
/// </summary>
public sealed class SlotTests
{
    [Fact]
    public void Slots_AreNumberedFromTheirNode_AndAnswerEachRequestThroughAFreshChild()
    {
        var h = new Harness();
        var dir = new SlottedDir();
        h.Root.Children["d"] = dir;
        ulong d = h.Lookup(1, "d").NodeId;

        var b = h.Lookup(d, "s1");
        var a = h.Lookup(d, "s0");
        var attr = h.Send(Req.Make(Opcode.Getattr, b.NodeId, Req.Bytes(new Wire.FuseGetattrIn()))).As<Wire.FuseAttrOut>().Attr;
        ulong fh = h.Open(a.NodeId, flags: 0);
        var read = h.Send(Req.Read(a.NodeId, fh, 0, 100));

        Assert.Equal((Slot(d, 0), Slot(d, 1)), (a.NodeId, b.NodeId));
        Assert.Equal((a.NodeId, b.NodeId), (a.Attr.Ino, b.Attr.Ino));
        Assert.Equal((b.NodeId, 1UL), (attr.Ino, attr.Size));
        Assert.Equal("slot 0", Encoding.ASCII.GetString(read.Body));
        // The table holds the directory for the slots' ids, not a child object, and no entry of their own.
        Assert.Same(dir, h.Dispatcher.Nodes.Held(a.NodeId));
        Assert.Equal(2, h.Dispatcher.Nodes.Count);
        Assert.NotSame(h.Dispatcher.Nodes.Get(a.NodeId), h.Dispatcher.Nodes.Get(a.NodeId));
        Assert.Equal((3, a.NodeId), (dir.Lookups, ((Node)h.Dispatcher.Nodes.Get(a.NodeId)!).NodeId));
        // Slots take no numbers from the counter.
        h.Root.Children["f"] = new TestFile([1]);
        Assert.Equal(d + 1, h.Lookup(1, "f").NodeId);
    }

    [Fact]
    public void ForgettingTheSlots_KeepsTheirNode_ForgettingAll_DropsIt_AndALookupGivesTheSameIdsBack()
    {
        var h = new Harness();
        var dir = new SlottedDir();
        h.Root.Children["d"] = dir;
        ulong d = h.Lookup(1, "d").NodeId;
        ulong s0 = h.Lookup(d, "s0").NodeId;
        ulong s2 = h.Lookup(d, "s2").NodeId;
        h.Lookup(d, "s2");

        Forget(h, s2, 2);
        Forget(h, s0, 1);
        Assert.Equal(0, h.Send(Req.Make(Opcode.Getattr, d, Req.Bytes(new Wire.FuseGetattrIn()))).Error);
        Assert.Equal(1, dir.Lookups);
        h.Lookup(d, "s1");
        Forget(h, d, 1);
        Assert.Equal(0, h.Send(Req.Make(Opcode.Getattr, Slot(d, 1), Req.Bytes(new Wire.FuseGetattrIn()))).Error);
        Forget(h, Slot(d, 1), 1);

        Assert.Equal(0, dir.Lookups);
        Assert.Null(h.Dispatcher.Nodes.Held(d));
        Assert.Null(h.Dispatcher.Nodes.Held(Slot(d, 1)));
        Assert.Equal(-(int)Errno.ESTALE, h.Send(Req.Make(Opcode.Getattr, s0, Req.Bytes(new Wire.FuseGetattrIn()))).Error);
        Assert.Equal(1, h.Dispatcher.Nodes.Count); // the root
        Assert.Equal(d, h.Lookup(1, "d").NodeId);
        Assert.Equal(s2, h.Lookup(d, "s2").NodeId);
    }

    [Fact]
    public void Readdirplus_OfASlottedDirectory_GivesEachSlotItsIdAndAttributes()
    {
        var h = new Harness();
        var dir = new SlottedDir();
        h.Root.Children["d"] = dir;
        ulong d = h.Lookup(1, "d").NodeId;
        ulong fh = h.Send(Req.Make(Opcode.Opendir, d, new byte[8])).As<Wire.FuseOpenOut>().Fh;

        var r = h.Send(Req.Make(Opcode.Readdirplus, d, Req.Bytes(new Wire.FuseReadIn { Fh = fh, Offset = 0, Size = 4096 })));

        var recs = ReaddirTests.Parse(r.Body, plus: true).Skip(2).ToList();
        Assert.Equal(["s0", "s1", "s2"], recs.Select(x => x.Name));
        Assert.Equal([Slot(d, 0), Slot(d, 1), Slot(d, 2)], recs.Select(x => x.Entry!.Value.NodeId));
        Assert.Equal([Slot(d, 0), Slot(d, 1), Slot(d, 2)], recs.Select(x => x.Ino));
        Assert.Equal([0UL, 1UL, 2UL], recs.Select(x => x.Entry!.Value.Attr.Size));
        Assert.Equal(1 + SlottedDir.Count, dir.Lookups);
    }

    // Bit 63, the node's number, the index in four bits (NodeTable.SlotId).
    private static ulong Slot(ulong node, int index) => 1UL << 63 | node << 4 | (uint)index;

    private static void Forget(Harness h, ulong id, ulong count) =>
        Assert.Null(h.TrySend(Req.Make(Opcode.Forget, id, Req.Bytes(new Wire.FuseForgetIn { Nlookup = count }))));

    private sealed class SlottedDir : Node, INodeLookup, INodeReadDir, INodeSlots
    {
        public const int Count = 3;

        public int SlotCount => Count;

        public Node Slot(int index) => new Child(this, index);

        public override Errno GetAttr(RequestContext ctx, ref FuseAttr attr)
        {
            attr.Mode = 0x4000 | 0x1ED;
            return Errno.Ok;
        }

        public Errno Lookup(RequestContext ctx, string name, out Node? child)
        {
            child = name is ['s', >= '0' and < '3'] ? Slot(name[1] - '0') : null;
            return child is null ? Errno.ENOENT : Errno.Ok;
        }

        public Errno ReadDir(RequestContext ctx, List<DirEntry> entries)
        {
            for (int i = 0; i < Count; i++)
                entries.Add(new DirEntry($"s{i}", 0x8000, Slot(i)));
            return Errno.Ok;
        }
    }

    private sealed class Child(SlottedDir dir, int index) : Node, INodeSlot, INodeOpen
    {
        public Node SlotParent => dir;

        public int SlotIndex => index;

        public override Errno GetAttr(RequestContext ctx, ref FuseAttr attr)
        {
            attr.Mode = 0x8000 | 0x1A4;
            attr.Size = (ulong)index;
            return Errno.Ok;
        }

        public Errno Open(RequestContext ctx, int flags, out FileHandle? handle)
        {
            handle = new Text($"slot {index}");
            return Errno.Ok;
        }

        private sealed class Text(string text) : FileHandle
        {
            public override Errno Read(RequestContext ctx, long offset, Span<byte> buffer, out int bytesRead)
            {
                byte[] all = Encoding.ASCII.GetBytes(text);
                bytesRead = Math.Max(0, Math.Min(buffer.Length, all.Length - (int)offset));
                all.AsSpan((int)offset, bytesRead).CopyTo(buffer);
                return Errno.Ok;
            }
        }
    }
}
