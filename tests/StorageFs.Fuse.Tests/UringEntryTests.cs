using Serilog;
using StorageFs.Fuse.Session;

namespace StorageFs.Fuse.Tests;

/// <summary>
/// A ring entry as the kernel fills it (fs/fuse/dev_uring.c fuse_uring_copy_to_ring: the
/// fuse_in_header in in_out, the opcode's first argument in op_in, the rest in the payload,
/// commit id and payload size in ring_ent_in_out) becomes the request /dev/fuse would have
/// delivered, and the reply lands where the kernel reads it on commit (fuse_uring_commit:
/// fuse_out_header from in_out, the body from the payload, payload_sz bytes).
/// </summary>
public sealed class UringEntryTests : IDisposable
{
    private const int OpInOffset = 128;
    private const int RingInOutOffset = 256;
    private const int PayloadOffset = 512;

    private readonly Harness _h = new();
    private readonly UringEntry _entry;

    public UringEntryTests()
    {
        var log = new LoggerConfiguration().CreateLogger();
        var queue = new UringQueue(new UringTransport(log), _h.Dispatcher, 0, -1, 1, 8192, "/nonexistent", log);
        _entry = UringEntry.Map(queue, 0, 8192) ?? throw new InvalidOperationException("mmap failed");
    }

    public void Dispose() => _entry.Unmap();

    /// <summary>Lays <paramref name="devFuse"/> (a /dev/fuse request) out in the entry with the first <paramref name="opIn"/> body bytes in op_in.</summary>
    private void Fill(byte[] devFuse, int opIn)
    {
        Span<byte> b = _entry.Bytes;
        b[..PayloadOffset].Fill(0xEE);
        devFuse.AsSpan(0, 40).CopyTo(b);
        devFuse.AsSpan(40, opIn).CopyTo(b[OpInOffset..]);
        byte[] payload = devFuse[(40 + opIn)..];
        payload.CopyTo(b[PayloadOffset..]);
        var ring = new Wire.FuseUringEntInOut { CommitId = MemoryMarshal.Read<Wire.FuseInHeader>(devFuse).Unique, PayloadSz = (uint)payload.Length };
        MemoryMarshal.Write(b[RingInOutOffset..], in ring);
    }

    private Reply Commit(ReadOnlySpan<byte> request)
    {
        byte[] reply = new byte[_h.Dispatcher.ReplyBufferSize];
        int n = _h.Dispatcher.Dispatch(request, reply, _h.Context, out bool parked);
        Assert.False(parked);
        _entry.SetReply(reply.AsSpan(0, n));
        // What the kernel reads back: the out header from in_out, payload_sz bytes of payload.
        var ring = MemoryMarshal.Read<Wire.FuseUringEntInOut>(_entry.Bytes[RingInOutOffset..]);
        byte[] raw = [.. _entry.Bytes[..16], .. _entry.Bytes.Slice(PayloadOffset, (int)ring.PayloadSz)];
        return new Reply(raw, raw.Length);
    }

    [Fact]
    public void Write_DataInThePayload_IsAssembledAsDevFuseDeliversIt_AndTheCountIsCommitted()
    {
        var file = new TestFile([]);
        _h.Root.Children["f"] = file;
        ulong id = _h.Lookup(1, "f").NodeId;
        ulong fh = _h.Open(id);
        byte[] data = Encoding.ASCII.GetBytes("over the ring");
        byte[] req = Req.Make(Opcode.Write, id, Req.Cat(Req.Bytes(new Wire.FuseWriteIn { Fh = fh, Size = (uint)data.Length }), data));
        Fill(req, Unsafe.SizeOf<Wire.FuseWriteIn>());

        Assert.True(_entry.AssembleRequest(out ReadOnlySpan<byte> assembled));
        Assert.Equal(req, assembled.ToArray());
        Reply r = Commit(assembled);

        Assert.Equal(0, r.Error);
        Assert.Equal(Req.LastUnique, r.Header.Unique);
        Assert.Equal((uint)data.Length, r.As<Wire.FuseWriteOut>().Size);
        Assert.Equal("over the ring", Encoding.ASCII.GetString(file.Data));
    }

    [Fact]
    public void Lookup_NameOnlyInThePayload_WithAnEmptyOpIn_IsAnswered()
    {
        _h.Root.Children["g"] = new TestFile([1, 2, 3]);
        byte[] req = Req.Make(Opcode.Lookup, 1, Req.Name("g"));
        Fill(req, 0);

        Assert.True(_entry.AssembleRequest(out ReadOnlySpan<byte> assembled));
        Reply r = Commit(assembled);

        Assert.Equal(0, r.Error);
        Assert.Equal(3UL, r.As<Wire.FuseEntryOut>().Attr.Size);
    }

    [Fact]
    public void SizesThatDoNotAddUp_AreRefused()
    {
        byte[] req = Req.Make(Opcode.Lookup, 1, Req.Name("g"));
        Fill(req, 0);
        var ring = MemoryMarshal.Read<Wire.FuseUringEntInOut>(_entry.Bytes[RingInOutOffset..]);
        ring.PayloadSz = 100; // more than the header's length leaves
        MemoryMarshal.Write(_entry.Bytes[RingInOutOffset..], in ring);

        Assert.False(_entry.AssembleRequest(out _));
    }

    [Fact]
    public void LateReply_IsWrittenIntoTheEntry_ForTheKernelToReadOnCommit()
    {
        _entry.Send(777, 0, Encoding.ASCII.GetBytes("late"));

        var header = MemoryMarshal.Read<Wire.FuseOutHeader>(_entry.Bytes);
        var ring = MemoryMarshal.Read<Wire.FuseUringEntInOut>(_entry.Bytes[RingInOutOffset..]);
        Assert.Equal(777UL, header.Unique);
        Assert.Equal(0, header.Error);
        Assert.Equal(4u, ring.PayloadSz);
        Assert.Equal("late", Encoding.ASCII.GetString(_entry.Bytes.Slice(PayloadOffset, 4)));

        _entry.Send(778, -(int)Errno.EINTR, default);
        Assert.Equal(-(int)Errno.EINTR, MemoryMarshal.Read<Wire.FuseOutHeader>(_entry.Bytes).Error);
        Assert.Equal(0u, MemoryMarshal.Read<Wire.FuseUringEntInOut>(_entry.Bytes[RingInOutOffset..]).PayloadSz);
    }
}
