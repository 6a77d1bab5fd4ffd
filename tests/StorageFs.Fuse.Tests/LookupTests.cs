namespace StorageFs.Fuse.Tests;

public sealed class LookupTests
{
    [Fact]
    public void Lookup_ExistingName_ReturnsEntryWithAttributes_AndCountsOneLookup()
    {
        var h = new Harness(new FuseServerOptions { EntryTimeout = TimeSpan.FromSeconds(2.5), AttrTimeout = TimeSpan.FromSeconds(7) });
        var file = new TestFile(new byte[1234]);
        h.Root.Children["f"] = file;
        var e = h.Lookup(1, "f");
        Assert.NotEqual(0ul, e.NodeId);
        Assert.NotEqual(1ul, e.NodeId);
        Assert.Equal(e.NodeId, e.Attr.Ino);
        Assert.Equal(1234ul, e.Attr.Size);
        Assert.Equal(0x8000u | 0x1A4, e.Attr.Mode);
        Assert.Equal(2ul, e.EntryValid);
        Assert.Equal(500_000_000u, e.EntryValidNsec);
        Assert.Equal(7ul, e.AttrValid);
        Assert.Equal(1, file.Lookups);
        Assert.Equal(e.NodeId, h.Lookup(1, "f").NodeId);
        Assert.Equal(2, file.Lookups);
    }

    [Fact]
    public void Forget_OfEveryLookup_DropsTheNode_AndALookupAgainGetsItsIdBack()
    {
        var h = new Harness();
        var file = new TestFile([]);
        h.Root.Children["f"] = file;
        ulong id = h.Lookup(1, "f").NodeId;
        h.Lookup(1, "f");
        Assert.Null(h.TrySend(Req.Make(Opcode.Forget, id, Req.Bytes(new Wire.FuseForgetIn { Nlookup = 1 }))));
        Assert.Equal(id, file.NodeId);
        var head = new Wire.FuseBatchForgetIn { Count = 1 };
        Assert.Null(h.TrySend(Req.Make(Opcode.BatchForget, 0, Req.Cat(Req.Bytes(head), Req.Bytes(new Wire.FuseForgetOne { NodeId = id, Nlookup = 1 })))));
        Assert.Equal(0ul, file.NodeId);
        Assert.Null(h.Dispatcher.Nodes.Get(id));
        Assert.Equal(-(int)Errno.ESTALE, h.Send(Req.Make(Opcode.Getattr, id, new byte[16])).Error);
        // The same node, so the same id and inode number (no other node is ever given it).
        var again = h.Lookup(1, "f");
        Assert.Equal((id, id), (again.NodeId, again.Attr.Ino));
        Assert.Same(file, h.Dispatcher.Nodes.Get(id));
        h.Root.Children["g"] = new TestFile([]);
        Assert.True(h.Lookup(1, "g").NodeId > id);
    }

    [Fact]
    public void ManyNodesAcrossTablePages_EachResolvesToItself_AndForgottenOnesAreStale()
    {
        var h = new Harness();
        var files = Enumerable.Range(0, 1000).Select(_ => new TestFile([])).ToArray();
        for (int i = 0; i < files.Length; i++)
            h.Root.Children[$"f{i}"] = files[i];
        ulong[] ids = [.. files.Select((_, i) => h.Lookup(1, $"f{i}").NodeId)];
        Assert.Equal(files.Length, ids.Distinct().Count());
        for (int i = 0; i < files.Length; i++)
            Assert.Same(files[i], h.Dispatcher.Nodes.Get(ids[i]));
        Assert.Equal(files.Length + 1, h.Dispatcher.Nodes.Count);

        // Forget all but every 300th: whole pages empty out, the nodes left still resolve.
        for (int i = 0; i < files.Length; i++)
        {
            if (i % 300 != 0)
                Assert.Null(h.TrySend(Req.Make(Opcode.Forget, ids[i], Req.Bytes(new Wire.FuseForgetIn { Nlookup = 1 }))));
        }
        Assert.Equal(4 + 1, h.Dispatcher.Nodes.Count);
        for (int i = 0; i < files.Length; i++)
        {
            if (i % 300 == 0)
                Assert.Equal(0, h.Send(Req.Make(Opcode.Getattr, ids[i], new byte[16])).Error);
            else
                Assert.Equal(-(int)Errno.ESTALE, h.Send(Req.Make(Opcode.Getattr, ids[i], new byte[16])).Error);
        }
        Assert.Equal(ids[1], h.Lookup(1, "f1").NodeId);
        Assert.Same(files[1], h.Dispatcher.Nodes.Get(ids[1]));
        h.Root.Children["new"] = new TestFile([]);
        Assert.True(h.Lookup(1, "new").NodeId > ids.Max());
    }

    [Fact]
    public void Forget_OfTheRoot_IsIgnored()
    {
        var h = new Harness();
        h.TrySend(Req.Make(Opcode.Forget, 1, Req.Bytes(new Wire.FuseForgetIn { Nlookup = 100 })));
        Assert.Equal(0, h.Send(Req.Make(Opcode.Getattr, 1, new byte[16])).Error);
    }

    [Fact]
    public void Lookup_MissingName_GetsENOENT()
    {
        var h = new Harness();
        Assert.Equal(-(int)Errno.ENOENT, h.Send(Req.Make(Opcode.Lookup, 1, Req.Name("nope"))).Error);
    }

    [Fact]
    public void Lookup_MissingName_WithNegativeTimeout_RepliesNodeIdZero()
    {
        var h = new Harness(new FuseServerOptions { NegativeTimeout = TimeSpan.FromSeconds(3) });
        var r = h.Send(Req.Make(Opcode.Lookup, 1, Req.Name("nope")));
        Assert.Equal(0, r.Error);
        var e = r.As<Wire.FuseEntryOut>();
        Assert.Equal(0ul, e.NodeId);
        Assert.Equal(3ul, e.EntryValid);
    }

    [Fact]
    public void Getattr_OfRoot_ReportsADirectoryWithInodeOne()
    {
        var h = new Harness();
        var r = h.Send(Req.Make(Opcode.Getattr, 1, new byte[16]));
        Assert.Equal(0, r.Error);
        var a = r.As<Wire.FuseAttrOut>();
        Assert.Equal(1ul, a.Attr.Ino);
        Assert.Equal(0x4000u, a.Attr.Mode & 0xF000);
        Assert.Equal(1ul, a.AttrValid);
    }

    [Fact]
    public void Mkdir_CreatesAndReturnsAnEntry_AndAnExistingNameGetsEEXIST()
    {
        var h = new Harness();
        byte[] body = Req.Cat(Req.Bytes(new Wire.FuseMkdirIn { Mode = 0x1ED }), Req.Name("d"));
        var r = h.Send(Req.Make(Opcode.Mkdir, 1, body));
        Assert.Equal(0, r.Error);
        Assert.Equal(0x4000u, r.As<Wire.FuseEntryOut>().Attr.Mode & 0xF000);
        Assert.Equal(-(int)Errno.EEXIST, h.Send(Req.Make(Opcode.Mkdir, 1, body)).Error);
    }

    [Fact]
    public void OperationsANodeDoesNotImplement_GetTheirDocumentedDefaults()
    {
        var h = new Harness();
        h.Root.Children["f"] = new TestFile([]);
        ulong f = h.Lookup(1, "f").NodeId;
        Assert.Equal(-(int)Errno.EPERM, h.Send(Req.Make(Opcode.Unlink, 1, Req.Name("f"))).Error);
        // CREATE must never answer ENOSYS: the kernel would stop sending it for the whole mount.
        Assert.Equal(-(int)Errno.EPERM, h.Send(Req.Make(Opcode.Create, 1, Req.Cat(new byte[16], Req.Name("n")))).Error);
        Assert.Equal(-(int)Errno.EPERM, h.Send(Req.Make(Opcode.Setattr, f, new byte[88])).Error);
        Assert.Equal(-(int)Errno.EINVAL, h.Send(Req.Make(Opcode.Readlink, f, [])).Error);
        Assert.Equal(-(int)Errno.EOPNOTSUPP, h.Send(Req.Make(Opcode.Getxattr, f, Req.Cat(new byte[8], Req.Name("user.x")))).Error);
        Assert.Equal(0, h.Send(Req.Make(Opcode.Access, f, new byte[8])).Error);
        var st = h.Send(Req.Make(Opcode.Statfs, 1, []));
        Assert.Equal(0, st.Error);
        Assert.Equal(255u, st.As<FuseKstatfs>().Namelen);
    }
}
