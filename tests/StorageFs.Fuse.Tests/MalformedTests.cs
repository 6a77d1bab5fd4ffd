namespace StorageFs.Fuse.Tests;

public sealed class MalformedTests
{
    [Fact]
    public void ShorterThanAHeader_IsDroppedWithoutAReply()
    {
        var h = new Harness();
        Assert.Null(h.TrySend(new byte[39]));
    }

    [Fact]
    public void LengthFieldDisagreeingWithBytesRead_GetsEINVAL()
    {
        var h = new Harness();
        byte[] req = Req.Make(Opcode.Getattr, 1, new byte[16]);
        MemoryMarshal.Write(req, 9999u);
        Assert.Equal(-(int)Errno.EINVAL, h.Send(req).Error);
    }

    [Theory]
    [InlineData(Opcode.Read, 39)]
    [InlineData(Opcode.Write, 10)]
    [InlineData(Opcode.Setattr, 87)]
    [InlineData(Opcode.Open, 4)]
    [InlineData(Opcode.Getattr, 15)]
    [InlineData(Opcode.Mkdir, 8)]
    [InlineData(Opcode.CopyFileRange, 55)]
    public void BodyShorterThanItsStruct_GetsEINVAL(Opcode op, int bodyLength)
    {
        var h = new Harness();
        Assert.Equal(-(int)Errno.EINVAL, h.Send(Req.Make(op, 1, new byte[bodyLength])).Error);
    }

    [Fact]
    public void ShortForget_IsDroppedWithoutAReply()
    {
        var h = new Harness();
        Assert.Null(h.TrySend(Req.Make(Opcode.Forget, 1, new byte[4])));
    }

    [Fact]
    public void NameWithoutTerminatingNul_GetsEINVAL()
    {
        var h = new Harness();
        Assert.Equal(-(int)Errno.EINVAL, h.Send(Req.Make(Opcode.Lookup, 1, "abc"u8)).Error);
    }

    [Fact]
    public void NameThatIsNotUtf8_GetsEILSEQ()
    {
        var h = new Harness();
        Assert.Equal(-(int)Errno.EILSEQ, h.Send(Req.Make(Opcode.Lookup, 1, new byte[] { 0xff, 0xfe, 0 })).Error);
    }

    [Fact]
    public void WriteDeclaringMoreDataThanSent_GetsEINVAL()
    {
        var h = new Harness();
        var w = new Wire.FuseWriteIn { Fh = 1, Size = 100 };
        Assert.Equal(-(int)Errno.EINVAL, h.Send(Req.Make(Opcode.Write, 1, Req.Cat(Req.Bytes(w), new byte[10]))).Error);
    }

    [Fact]
    public void BatchForgetCountingPastTheBody_IsRejectedWithoutTouchingNodes()
    {
        var h = new Harness();
        h.Root.Children["f"] = new TestFile([1]);
        ulong id = h.Lookup(1, "f").NodeId;
        var head = new Wire.FuseBatchForgetIn { Count = 1_000_000 };
        var one = new Wire.FuseForgetOne { NodeId = id, Nlookup = 1 };
        Assert.Null(h.TrySend(Req.Make(Opcode.BatchForget, 0, Req.Cat(Req.Bytes(head), Req.Bytes(one)))));
        Assert.NotNull(h.Dispatcher.Nodes.Get(id));
    }

    [Theory]
    [InlineData(7u)]   // a hole in the opcode space
    [InlineData(37u)]  // BMAP: only for fuseblk
    [InlineData(39u)]  // IOCTL
    [InlineData(52u)]  // STATX
    [InlineData(4096u)] // CUSE_INIT
    [InlineData(0xDEADBEEFu)]
    public void UnknownOrUnsupportedOpcode_GetsENOSYS(uint opcode)
    {
        var h = new Harness();
        Assert.Equal(-(int)Errno.ENOSYS, h.Send(Req.Make((Opcode)opcode, 1, new byte[64])).Error);
    }

    [Fact]
    public void RandomGarbage_NeverThrows_AndEveryReplyIsWellFormed()
    {
        var h = new Harness();
        h.Root.Children["f"] = new TestFile(new byte[100]);
        var rng = new Random(1234);
        var reply = new byte[h.Dispatcher.ReplyBufferSize];
        for (int i = 0; i < 20_000; i++)
        {
            int bodyLen = rng.Next(0, 200);
            var body = new byte[bodyLen];
            rng.NextBytes(body);
            // Valid header with a random opcode and node, random body: the worst a kernel bug could send.
            byte[] req = Req.Make((Opcode)rng.Next(0, 60), (ulong)rng.Next(0, 4), body);
            if (rng.Next(10) == 0)
                rng.NextBytes(req.AsSpan(0, 40)); // and sometimes a garbage header too
            int n = h.Dispatcher.Dispatch(req, reply, h.Context);
            if (n == 0)
                continue;
            var outHeader = MemoryMarshal.Read<Wire.FuseOutHeader>(reply);
            Assert.Equal((uint)n, outHeader.Len);
            Assert.True(outHeader.Error <= 0);
            Assert.True(n == 16 || outHeader.Error == 0);
        }
    }
}
