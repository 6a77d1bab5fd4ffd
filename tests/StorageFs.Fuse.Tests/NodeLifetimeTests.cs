namespace StorageFs.Fuse.Tests;

/// <summary>Nodes that hold something of their own (EndsWhenForgotten) and GETATTR on an open file (FUSE_GETATTR_FH).</summary>
public sealed class NodeLifetimeTests
{
    [Fact]
    public void Forget_OfANodeThatEnds_CallsForgottenOnce_AndItIsNeverCountedAgain()
    {
        var h = new Harness();
        var file = new EndingFile();
        h.Root.Children["f"] = file;
        ulong id = h.Lookup(1, "f").NodeId;
        h.Lookup(1, "f");

        Assert.Null(h.TrySend(Req.Make(Opcode.Forget, id, Req.Bytes(new Wire.FuseForgetIn { Nlookup = 1 }))));
        Assert.Equal((0, false), (file.ForgottenCalls, file.IsEnded));
        Assert.Null(h.TrySend(Req.Make(Opcode.Forget, id, Req.Bytes(new Wire.FuseForgetIn { Nlookup = 1 }))));

        Assert.Equal((1, true), (file.ForgottenCalls, file.IsEnded));
        Assert.Equal(-(int)Errno.ESTALE, h.Send(Req.Make(Opcode.Lookup, 1, Req.Name("f"))).Error);
    }

    [Fact]
    public void Lookup_ThatReturnsAnEndedNode_AsksTheDirectoryAgain_AndGetsItsNewNode()
    {
        var h = new Harness();
        var stale = new EndingFile();
        var dir = new SwappingDir(stale, new EndingFile());
        h.Root.Children["d"] = dir;
        ulong d = h.Lookup(1, "d").NodeId;
        h.Root.Children["s"] = stale;
        ulong s = h.Lookup(1, "s").NodeId;
        Assert.Null(h.TrySend(Req.Make(Opcode.Forget, s, Req.Bytes(new Wire.FuseForgetIn { Nlookup = 1 }))));

        var e = h.Lookup(d, "f");

        Assert.Same(dir.Fresh, h.Dispatcher.Nodes.Get(e.NodeId));
        Assert.Equal(2, dir.Calls);
    }

    [Fact]
    public void Getattr_WithTheFhFlag_HandsTheNodeThatOpensHandle_AndWithoutItNone()
    {
        var h = new Harness();
        var file = new EndingFile();
        h.Root.Children["f"] = file;
        ulong id = h.Lookup(1, "f").NodeId;
        ulong fh = h.Open(id);

        var withFh = h.Send(Req.Make(Opcode.Getattr, id, Req.Bytes(new Wire.FuseGetattrIn { GetattrFlags = Wire.GetattrFh, Fh = fh })));
        Assert.Same(file.Opened, file.SeenHandle);
        file.SeenHandle = null;
        var without = h.Send(Req.Make(Opcode.Getattr, id, Req.Bytes(new Wire.FuseGetattrIn { Fh = fh })));

        Assert.Equal((0, 42UL), (withFh.Error, withFh.As<Wire.FuseAttrOut>().Attr.Size));
        Assert.Equal((0, 1UL), (without.Error, without.As<Wire.FuseAttrOut>().Attr.Size));
        Assert.Null(file.SeenHandle);
    }

    private sealed class EndingFile : Node, INodeOpen
    {
        public int ForgottenCalls { get; private set; }

        public FileHandle? Opened { get; private set; }

        public FileHandle? SeenHandle { get; set; }

        protected internal override bool EndsWhenForgotten => true;

        protected internal override void Forgotten() => ForgottenCalls++;

        public override Errno GetAttr(RequestContext ctx, ref FuseAttr attr)
        {
            attr.Mode = 0x8000 | 0x1A4;
            attr.Size = 1;
            return Errno.Ok;
        }

        public override Errno GetAttr(RequestContext ctx, FileHandle handle, ref FuseAttr attr)
        {
            SeenHandle = handle;
            attr.Mode = 0x8000 | 0x1A4;
            attr.Size = 42;
            return Errno.Ok;
        }

        public Errno Open(RequestContext ctx, int flags, out FileHandle? handle)
        {
            handle = Opened = new Plain();
            return Errno.Ok;
        }

        private sealed class Plain : FileHandle
        {
        }
    }

    /// <summary>Answers the first lookup with a node that has ended, later ones with a fresh node.</summary>
    private sealed class SwappingDir(Node stale, Node fresh) : Node, INodeLookup
    {
        public Node Fresh => fresh;

        public int Calls { get; private set; }

        public override Errno GetAttr(RequestContext ctx, ref FuseAttr attr)
        {
            attr.Mode = 0x4000 | 0x1ED;
            return Errno.Ok;
        }

        public Errno Lookup(RequestContext ctx, string name, out Node? child)
        {
            child = ++Calls == 1 ? stale : fresh;
            return Errno.Ok;
        }
    }
}
