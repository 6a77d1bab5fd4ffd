using Serilog;
using Serilog.Events;
using StorageFs.Fuse.Nodes;

namespace StorageFs.Fuse.Protocol;

/// <summary>
/// Turns one request's bytes into one reply's bytes. It never touches the device: the caller
/// reads requests and writes replies, so this class is tested with byte arrays alone
/// (go-fuse fuse/protocol-server.go, fuser src/request.rs). Invariants: every request that
/// expects an answer gets exactly one reply (errors included); FORGET, BATCH_FORGET and
/// INTERRUPT get none; a malformed request gets EINVAL and a log line, never an exception.
/// </summary>
internal sealed partial class Dispatcher
{
    public const int OutHeaderSize = 16;
    private const int InHeaderSize = 40;

    private readonly NodeTable _nodes;
    private readonly HandleTable<OpenFile> _files = new();
    private readonly HandleTable<DirHandle> _dirs = new();
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<Node, ListingCache> _listings = new();
    private bool _listingsMade; // a FORGET looks for a ListingCache only once there is one
    private readonly InterruptTable _interrupts = new();
    private readonly ParkingLot _parking;
    private readonly LockTable _locks;
    private readonly FuseServerOptions _options;
    private readonly IFuseChannel? _channel;
    private readonly ILogger _log;
    private readonly bool _trace;
    private int _passthroughWarned;

    public Dispatcher(Node root, FuseServerOptions options, IFuseChannel? channel, ILogger logger)
    {
        _nodes = new NodeTable(root);
        _options = options;
        _quota = new HandleQuota(options.MaxHandlesPerUid, options.MaxHandlesOthers, options.MaxHandles);
        _channel = channel;
        _log = logger.ForContext<Dispatcher>();
        _trace = _log.IsEnabled(LogEventLevel.Verbose);
        Notifier = new Notifier(channel);
        _parking = new ParkingLot(options.MaxParkedPerUid, _interrupts, _log);
        _locks = new LockTable(_log);
    }

    public Notifier Notifier { get; }

    /// <summary>Opcodes counted one by one (every FUSE opcode but CUSE's is below this); others count at 0.</summary>
    public const int OpcodeCounts = 64;

    private readonly long[] _counts = new long[OpcodeCounts];

    /// <summary>Requests dispatched so far, by opcode (index 0: opcodes beyond the table).</summary>
    public long[] RequestCounts()
    {
        var copy = new long[OpcodeCounts];
        for (int i = 0; i < copy.Length; i++)
            copy[i] = Interlocked.Read(ref _counts[i]);
        return copy;
    }

    /// <summary>
    /// Asked during INIT when the kernel offers FUSE_OVER_IO_URING: sets up the rings and returns
    /// true to accept the offer (the server's transport; null: never accept).
    /// </summary>
    public Func<bool>? UringOffer { get; set; }

    /// <summary>The kernel offered FUSE_OVER_IO_URING at INIT.</summary>
    public bool UringOffered { get; private set; }

    /// <summary>FUSE_OVER_IO_URING was accepted at INIT: requests come by the rings once they are registered.</summary>
    public bool UringGranted { get; private set; }

    /// <summary>The reply buffer every caller must provide: a full READ of max_write bytes plus the header.</summary>
    public int ReplyBufferSize => OutHeaderSize + _options.MaxWrite;

    /// <summary>The request buffer the kernel requires: max_write plus headers (fs/fuse/dev.c fuse_dev_do_read).</summary>
    public int RequestBufferSize => _options.MaxWrite + 4096;

    public bool Initialized { get; private set; }

    public bool Destroyed { get; private set; }

    public uint ProtocolMinor { get; private set; }

    public InitFlags NegotiatedFlags { get; private set; }

    public bool PassthroughActive { get; private set; }

    internal NodeTable Nodes => _nodes;

    internal int OpenFileCount => _files.Count;

    internal ParkingLot Parking => _parking;

    /// <summary>A reader's context; <paramref name="replies"/> is where requests it parks are answered (its own descriptor).</summary>
    public RequestContext CreateContext(IParkedReplySink? replies = null) => new(_interrupts, _parking, replies);

    /// <summary>
    /// Handles one request. Returns the length of the reply written to <paramref name="reply"/>,
    /// or 0 when the request takes no reply or was parked (<see cref="RequestContext.Park"/>:
    /// its <see cref="ParkedRequest"/> answers later, and an error the handler returned or an
    /// exception it threw answers it now, so it still gets exactly one reply).
    /// </summary>
    public int Dispatch(ReadOnlySpan<byte> request, Span<byte> reply, RequestContext ctx) =>
        Dispatch(request, reply, ctx, out _);

    /// <summary>As <see cref="Dispatch(ReadOnlySpan{byte}, Span{byte}, RequestContext)"/>; <paramref name="parked"/> tells a parked request from one that takes no reply.</summary>
    public int Dispatch(ReadOnlySpan<byte> request, Span<byte> reply, RequestContext ctx, out bool parked)
    {
        parked = false;
        if (request.Length < InHeaderSize)
        {
            _log.Warning("Dropped a request of {Length} bytes: shorter than a FUSE header", request.Length);
            return 0; // no unique to answer to
        }
        var header = MemoryMarshal.Read<Wire.FuseInHeader>(request);
        ulong unique = header.Unique;
        int extLen = header.TotalExtlen * 8;
        if (header.Len != request.Length || InHeaderSize + extLen > request.Length)
        {
            _log.Warning("Malformed {Op} request {Unique}: header says {Declared} bytes, got {Actual} (extensions {Ext})",
                OpcodeTable.Name(header.Opcode), unique, header.Len, request.Length, extLen);
            return Error(reply, unique, Errno.EINVAL);
        }

        Interlocked.Increment(ref _counts[header.Opcode < OpcodeCounts ? header.Opcode : 0]);
        OpInfo op = OpcodeTable.Get(header.Opcode);
        ReadOnlySpan<byte> body = request[InHeaderSize..(request.Length - extLen)];
        if (op.Handler is null)
        {
            if (_trace)
                _log.Verbose("{Op} unique={Unique} node={Node}: not implemented", OpcodeTable.Name(header.Opcode), unique, header.NodeId);
            return Error(reply, unique, Errno.ENOSYS);
        }
        if (body.Length < op.MinBody)
        {
            _log.Warning("Malformed {Op} request {Unique}: body of {Length} bytes, needs {Min}", op.Name, unique, body.Length, op.MinBody);
            return op.NoReply ? 0 : Error(reply, unique, Errno.EINVAL);
        }
        if (!Initialized && header.Opcode != (uint)Opcode.Init)
        {
            _log.Warning("{Op} request {Unique} before INIT", op.Name, unique);
            return op.NoReply ? 0 : Error(reply, unique, Errno.EIO);
        }

        ctx.Begin(unique, header.Uid, header.Gid, header.Pid);
        ctx.Opcode = (Opcode)header.Opcode;
        Errno err;
        int bodyLength;
        ParkedRequest? parkedRequest;
        try
        {
            var req = new Request(header, body, ctx);
            err = op.Handler(this, req, reply[OutHeaderSize..], out bodyLength);
        }
        catch (Exception ex)
        {
            _log.Error(ex, "{Op} on node {Node} failed with an exception", op.Name, header.NodeId);
            err = ErrnoOf(ex);
            bodyLength = 0;
        }
        finally
        {
            parkedRequest = ctx.TakeParked();
            ctx.End();
        }

        if (parkedRequest is not null)
        {
            parked = true;
            if (_trace)
                _log.Verbose("{Op} unique={Unique} node={Node} uid={Uid} pid={Pid} -> parked{Errno}",
                    op.Name, unique, header.NodeId, header.Uid, header.Pid, err == Errno.Ok ? "" : $" ({err})");
            if (err != Errno.Ok)
                parkedRequest.Reply(err);
            return 0;
        }

        if (_trace)
            _log.Verbose("{Op} unique={Unique} node={Node} uid={Uid} pid={Pid} -> {Errno} ({Bytes} bytes)",
                op.Name, unique, header.NodeId, header.Uid, header.Pid, err, bodyLength);
        else if (err == Errno.EIO)
            // EIO means "something broke": every one is logged with its request, so none goes unexplained.
            _log.Warning("{Op} unique={Unique} node={Node} uid={Uid} pid={Pid} answered EIO", op.Name, unique, header.NodeId, header.Uid, header.Pid);
        if (op.NoReply)
            return 0;
        if (err != Errno.Ok)
            return Error(reply, unique, err);
        int total = OutHeaderSize + bodyLength;
        var outHeader = new Wire.FuseOutHeader { Len = (uint)total, Error = 0, Unique = unique };
        MemoryMarshal.Write(reply, in outHeader);
        return total;
    }

    private static int Error(Span<byte> reply, ulong unique, Errno err)
    {
        var outHeader = new Wire.FuseOutHeader { Len = OutHeaderSize, Error = -(int)err, Unique = unique };
        MemoryMarshal.Write(reply, in outHeader);
        return OutHeaderSize;
    }

    /// <summary>Zeroes and returns the reply struct at the start of <paramref name="reply"/>.</summary>
    private static ref T Out<T>(Span<byte> reply)
        where T : unmanaged
    {
        Span<byte> s = reply[..Unsafe.SizeOf<T>()];
        s.Clear();
        return ref MemoryMarshal.AsRef<T>(s);
    }

    private static void SplitTime(TimeSpan t, out ulong sec, out uint nsec)
    {
        long ticks = Math.Max(0, t.Ticks);
        sec = (ulong)(ticks / TimeSpan.TicksPerSecond);
        nsec = (uint)(ticks % TimeSpan.TicksPerSecond * 100);
    }

    // ---- INIT / DESTROY / INTERRUPT --------------------------------------------------------

    private const InitFlags Wanted =
        InitFlags.AsyncRead | InitFlags.AtomicOTrunc | InitFlags.BigWrites | InitFlags.AutoInvalData |
        InitFlags.AsyncDio | InitFlags.ParallelDirops | InitFlags.MaxPages | InitFlags.InitExt |
        InitFlags.DirectIoAllowMmap | InitFlags.HandleKillprivV2;

    internal Errno Init(in Request r, Span<byte> reply, out int length)
    {
        length = 0;
        var init = MemoryMarshal.Read<Wire.FuseInitIn>(PadTo<Wire.FuseInitIn>(r.Body, stackalloc byte[Unsafe.SizeOf<Wire.FuseInitIn>()]));
        ref var o = ref Out<Wire.FuseInitOut>(reply);
        if (init.Major > Wire.KernelVersion)
        {
            // The kernel retries INIT with our major (fuse.h "Version negotiation").
            o.Major = Wire.KernelVersion;
            length = 8;
            return Errno.Ok;
        }
        if (init.Major < Wire.KernelVersion || init.Minor < 31)
        {
            _log.Error("Kernel FUSE protocol {Major}.{Minor} is too old; StorageFs needs 7.31 or newer", init.Major, init.Minor);
            return Errno.EPROTO;
        }

        ulong kernelFlags = init.Flags;
        if ((kernelFlags & (ulong)InitFlags.InitExt) != 0)
            kernelFlags |= (ulong)init.Flags2 << 32;
        var wanted = Wanted;
        if (_options.ReaddirPlus)
            wanted |= _options.ReaddirPlusAuto ? InitFlags.DoReaddirplus | InitFlags.ReaddirplusAuto : InitFlags.DoReaddirplus;
        if (_options.EnablePassthrough && _channel is not null)
            wanted |= InitFlags.Passthrough;
        if (_options.CacheSymlinks)
            wanted |= InitFlags.CacheSymlinks;
        if (_options.Locks)
            wanted |= InitFlags.PosixLocks | InitFlags.FlockLocks;
        var flags = (InitFlags)kernelFlags & wanted;
        UringOffered = (kernelFlags & (ulong)InitFlags.OverIoUring) != 0;
        if (UringOffered && UringOffer?.Invoke() == true)
            flags |= InitFlags.OverIoUring;
        UringGranted = (flags & InitFlags.OverIoUring) != 0;

        int maxWrite = _options.MaxWrite;
        o.Major = Wire.KernelVersion;
        o.Minor = Wire.KernelMinorVersion;
        o.MaxReadahead = init.MaxReadahead;
        o.Flags = (uint)flags;
        o.Flags2 = (uint)((ulong)flags >> 32);
        o.MaxBackground = 64;
        o.CongestionThreshold = 48;
        o.MaxWrite = (uint)maxWrite;
        o.TimeGran = 1;
        o.MaxPages = (ushort)Math.Min(ushort.MaxValue, (maxWrite + 4095) / 4096);
        // Passthrough needs a stack depth (fs/fuse/inode.c process_init_reply); backing files
        // sit on ordinary filesystems, one level below us.
        o.MaxStackDepth = (flags & InitFlags.Passthrough) != 0 ? 1u : 0u;

        ProtocolMinor = Math.Min(init.Minor, Wire.KernelMinorVersion);
        NegotiatedFlags = flags;
        PassthroughActive = (flags & InitFlags.Passthrough) != 0;
        Initialized = true;
        if (ProtocolMinor >= 12)
            Notifier.Enable();
        _log.Information("FUSE INIT: kernel {Major}.{Minor}, using 7.{Using}; max_write {MaxWrite}, passthrough {Passthrough}, flags {Flags}",
            init.Major, init.Minor, ProtocolMinor, maxWrite, PassthroughActive, flags);
        length = ProtocolMinor < 23 ? 24 : Unsafe.SizeOf<Wire.FuseInitOut>();
        return Errno.Ok;
    }

    /// <summary>Copies a short (older protocol) struct into a zeroed full-size buffer.</summary>
    private static ReadOnlySpan<byte> PadTo<T>(ReadOnlySpan<byte> body, Span<byte> scratch)
        where T : unmanaged
    {
        if (body.Length >= scratch.Length)
            return body;
        scratch.Clear();
        body.CopyTo(scratch);
        return scratch;
    }

    internal Errno Destroy(out int length)
    {
        length = 0;
        Destroyed = true;
        Notifier.Disable();
        return Errno.Ok;
    }

    internal Errno Interrupt(in Request r, out int length)
    {
        length = 0;
        var i = r.Read<Wire.FuseInterruptIn>();
        bool found = _interrupts.Interrupt(i.Unique);
        if (_trace)
            _log.Verbose("INTERRUPT of {Target}: {Found}", i.Unique, found ? "cancelled" : "not running (remembered)");
        return Errno.Ok;
    }
}
