using StorageFs.Fuse.Nodes;
using StorageFs.Fuse.Protocol;

namespace StorageFs.Fuse.Session;

/// <summary>
/// One FUSE ring entry: the buffers registered with the kernel, and the place a request it
/// carried is answered when that request was parked. Layout of the one mapping (the kernel
/// reads and writes offsets 0–288 and the payload only):
/// <code>
///   0   fuse_uring_req_header: in_out (fuse_in_header / fuse_out_header), op_in, ring_ent_in_out
///   288 the iovec pair given to REGISTER (header, payload)
///   344 scratch: the request's fuse_in_header and op_in are copied here, right before the
///       payload, so the dispatcher reads one contiguous request without copying the payload
///   512 payload (names, WRITE data on fetch; the reply body on commit)
/// </code>
/// A parked request keeps its entry (the kernel finds a ring request only by its commit id on
/// the queue it was fetched from: fs/fuse/dev_uring.c fuse_uring_commit_fetch; a write to
/// /dev/fuse cannot answer it), so the queue registers a replacement while it is held.
/// </summary>
internal sealed unsafe class UringEntry : IParkedReplySink
{
    public const int HeaderOffset = 0;
    public const int IovOffset = 288;
    public const int PayloadOffset = 512;
    private const int InHeaderSize = 40;

    private readonly UringQueue _queue;

    public UringEntry(UringQueue queue, int index, byte* mapping, nuint mappingSize, int payloadCapacity)
    {
        _queue = queue;
        Index = index;
        Mapping = mapping;
        MappingSize = mappingSize;
        PayloadCapacity = payloadCapacity;
        var iov = (Libc.IoVec*)(mapping + IovOffset);
        iov[0] = new Libc.IoVec { Base = mapping + HeaderOffset, Len = Wire.UringReqHeaderSize };
        iov[1] = new Libc.IoVec { Base = mapping + PayloadOffset, Len = (nuint)payloadCapacity };
    }

    /// <summary>Maps a new entry (anonymous, MAP_NORESERVE: untouched payload pages cost nothing); null when mmap fails.</summary>
    public static UringEntry? Map(UringQueue queue, int index, int payloadCapacity)
    {
        nuint size = (nuint)(((long)PayloadOffset + payloadCapacity + 4095) & ~4095L);
        var mapping = (byte*)IoUring.Mmap(null, size, IoUring.PROT_READ | IoUring.PROT_WRITE,
            IoUring.MAP_PRIVATE | IoUring.MAP_ANONYMOUS | IoUring.MAP_NORESERVE, -1, 0);
        return mapping == IoUring.MapFailed ? null : new UringEntry(queue, index, mapping, size, payloadCapacity);
    }

    public void Unmap() => IoUring.Munmap(Mapping, MappingSize);

    /// <summary>The whole mapping, as bytes (tests lay requests out in it as the kernel does).</summary>
    public Span<byte> Bytes => new(Mapping, (int)MappingSize);

    public int Index { get; }

    public byte* Mapping { get; }

    public nuint MappingSize { get; }

    public int PayloadCapacity { get; }

    public byte* Iov => Mapping + IovOffset;

    public byte* Payload => Mapping + PayloadOffset;

    public ref Wire.FuseUringEntInOut RingInOut => ref *(Wire.FuseUringEntInOut*)(Mapping + Wire.UringInOutHeaderSize + Wire.UringOpInSize);

    /// <summary>The unique of the request this entry carries (its commit id).</summary>
    public ulong CommitId { get; set; }

    /// <summary>Held by a parked request (ring thread's view).</summary>
    public bool Held { get; set; }

    /// <summary>When the entry's request parked (Environment.TickCount64; ring thread).</summary>
    public long HeldSince { get; set; }

    /// <summary>A pump was sent for this park (ring thread; see UringQueue.ReleasePumps).</summary>
    public bool Pumped { get; set; }

    /// <summary>The kernel answered this entry's command with an error: it is no longer registered.</summary>
    public bool Dead { get; set; }

    /// <summary>Not yet confirmed registered (a REGISTER refused with EAGAIN is retried).</summary>
    public bool Registering { get; set; }

    public int RegisterTries { get; set; }

    public RequestContext? Context { get; set; }

    /// <summary>
    /// Puts the fetched request together as /dev/fuse would deliver it (fuse_in_header, the
    /// opcode's struct, then the payload) in the scratch area before the payload. False when the
    /// sizes the kernel gave are inconsistent.
    /// </summary>
    public bool AssembleRequest(out ReadOnlySpan<byte> request)
    {
        request = default;
        var header = *(Wire.FuseInHeader*)Mapping;
        uint payload = RingInOut.PayloadSz;
        long opIn = (long)header.Len - InHeaderSize - payload;
        if (opIn < 0 || opIn > Wire.UringOpInSize || payload > (uint)PayloadCapacity)
            return false;
        byte* start = Payload - opIn - InHeaderSize;
        Buffer.MemoryCopy(Mapping, start, InHeaderSize, InHeaderSize);
        Buffer.MemoryCopy(Mapping + Wire.UringInOutHeaderSize, start + InHeaderSize, opIn, opIn);
        request = new ReadOnlySpan<byte>(start, (int)header.Len);
        return true;
    }

    /// <summary>Writes a reply (out header + body, as the dispatcher made it) where the kernel reads it on commit.</summary>
    public void SetReply(ReadOnlySpan<byte> reply)
    {
        int body = reply.Length - Dispatcher.OutHeaderSize;
        fixed (byte* r = reply)
        {
            Buffer.MemoryCopy(r, Mapping, Dispatcher.OutHeaderSize, Dispatcher.OutHeaderSize);
            if (body > 0)
                Buffer.MemoryCopy(r + Dispatcher.OutHeaderSize, Payload, PayloadCapacity, body);
        }
        RingInOut.PayloadSz = (uint)Math.Max(0, body);
    }

    /// <summary>Writes an error reply for <see cref="CommitId"/>.</summary>
    public void SetError(Errno err)
    {
        *(Wire.FuseOutHeader*)Mapping = new Wire.FuseOutHeader { Len = (uint)Dispatcher.OutHeaderSize, Error = -(int)err, Unique = CommitId };
        RingInOut.PayloadSz = 0;
    }

    /// <summary>A parked request's late reply, from any thread: written into this entry, committed by the ring thread.</summary>
    public void Send(ulong unique, int error, ReadOnlySpan<byte> body)
    {
        if (error == -(int)Errno.EIO)
            _queue.Log.Warning("Parked request unique={Unique} answered EIO", unique);
        if (body.Length > PayloadCapacity)
        {
            _queue.Log.Warning("Late reply for {Unique} of {Length} bytes exceeds the ring payload; answering EIO", unique, body.Length);
            error = -(int)Errno.EIO;
            body = default;
        }
        *(Wire.FuseOutHeader*)Mapping = new Wire.FuseOutHeader { Len = (uint)(Dispatcher.OutHeaderSize + body.Length), Error = error, Unique = unique };
        fixed (byte* b = body)
        {
            if (!body.IsEmpty)
                Buffer.MemoryCopy(b, Payload, PayloadCapacity, body.Length);
        }
        RingInOut.PayloadSz = (uint)body.Length;
        _queue.CommitLate(this);
    }
}
