using StorageFs.Fuse.Protocol;

namespace StorageFs.Fuse.Nodes;

/// <summary>
/// A request whose handler returned without an answer (<see cref="RequestContext.Park"/>): the
/// reader thread went back to reading, and whoever completes the wait (an event, a job, a lock
/// released) answers later, from any thread, by the request's unique id. Invariant: exactly one
/// reply per request. The first of <see cref="Reply(Errno)"/>, <see cref="Reply(ReadOnlySpan{byte})"/>,
/// <see cref="ReplyWritten"/>, <see cref="ReplyAttr"/>, an INTERRUPT (EINTR) or unmount (no reply: the connection is gone)
/// wins; every later attempt returns false and writes nothing. The reply is built when it is sent,
/// so a parked request holds no buffer: a few fields and, only if asked for, a cancellation source.
/// </summary>
public sealed class ParkedRequest
{
    private const int StateOpen = 0, StateAnswered = 1, StateAbandoned = 2;

    private readonly ParkingLot _lot;
    private readonly IParkedReplySink _sink;
    private CancellationTokenSource? _cts;
    private Timer? _watch;
    private int _state;

    internal ParkedRequest(ParkingLot lot, IParkedReplySink sink, ulong unique, Opcode opcode, uint uid, uint gid, uint pid, uint size, ParkInterrupts interrupts)
    {
        Interrupts = interrupts;
        _lot = lot;
        _sink = sink;
        Unique = unique;
        Opcode = opcode;
        Uid = uid;
        Gid = gid;
        Pid = pid;
        Size = size;
    }

    public ulong Unique { get; }

    /// <summary>Which INTERRUPTs end this request (see <see cref="ParkInterrupts"/>).</summary>
    public ParkInterrupts Interrupts { get; }

    public Opcode Opcode { get; }

    public uint Uid { get; }

    public uint Gid { get; }

    public uint Pid { get; }

    /// <summary>READ: the most bytes the reply may carry; WRITE: the bytes the request carried.</summary>
    public uint Size { get; }

    /// <summary>True once answered, interrupted or abandoned.</summary>
    public bool IsDone => Volatile.Read(ref _state) != StateOpen;

    /// <summary>
    /// Cancelled when the request ends without its handler's answer: an INTERRUPT (after EINTR
    /// was sent) or unmount. Register here what must be released then (a waiter in a list, a
    /// job to cancel); callbacks run on the thread that read the INTERRUPT, so keep them short.
    /// </summary>
    public CancellationToken Abandoned
    {
        get
        {
            var cts = Volatile.Read(ref _cts);
            if (cts is null)
            {
                var fresh = new CancellationTokenSource();
                cts = Interlocked.CompareExchange(ref _cts, fresh, null) ?? fresh;
                if (cts != fresh)
                    fresh.Dispose();
            }
            // Abandoned before anyone asked: cancel what was just created (double Cancel is harmless).
            if (Volatile.Read(ref _state) == StateAbandoned)
                cts.Cancel();
            return cts.Token;
        }
    }

    /// <summary>A context for work done on another thread for this request: same caller, and
    /// <see cref="RequestContext.Cancellation"/> is <see cref="Abandoned"/>.</summary>
    public RequestContext Context => new(this);

    /// <summary>Answers with an errno; <see cref="Errno.Ok"/> means an empty body, or for WRITE all <see cref="Size"/> bytes written.</summary>
    public bool Reply(Errno err)
    {
        if (err == Errno.Ok && Opcode == Opcode.Write)
            return ReplyWritten((int)Size);
        return Finish(-(int)err, default);
    }

    /// <summary>Answers a READ with data (cut to <see cref="Size"/>), or any request with its reply body.</summary>
    public bool Reply(ReadOnlySpan<byte> body)
    {
        if (Opcode == Opcode.Read && body.Length > Size)
            body = body[..(int)Size];
        return Finish(0, body);
    }

    /// <summary>Answers a WRITE with the count written.</summary>
    public bool ReplyWritten(int count)
    {
        Span<byte> body = stackalloc byte[Unsafe.SizeOf<Wire.FuseWriteOut>()];
        body.Clear();
        MemoryMarshal.Write(body, new Wire.FuseWriteOut { Size = (uint)count });
        return Finish(0, body);
    }

    /// <summary>Answers a GETATTR or SETATTR with <paramref name="attr"/> (its inode number
    /// set by the handler), which the kernel may cache for <paramref name="validFor"/>.</summary>
    public bool ReplyAttr(in FuseAttr attr, TimeSpan validFor)
    {
        Span<byte> body = stackalloc byte[Unsafe.SizeOf<Wire.FuseAttrOut>()];
        body.Clear();
        long ticks = Math.Max(0, validFor.Ticks);
        MemoryMarshal.Write(body, new Wire.FuseAttrOut
        {
            AttrValid = (ulong)(ticks / TimeSpan.TicksPerSecond),
            AttrValidNsec = (uint)(ticks % TimeSpan.TicksPerSecond * 100),
            Attr = attr,
        });
        return Finish(0, body);
    }

    private bool Finish(int error, ReadOnlySpan<byte> body)
    {
        if (Interlocked.CompareExchange(ref _state, StateAnswered, StateOpen) != StateOpen)
            return false;
        StopWatch();
        _lot.Remove(this);
        _sink.Send(Unique, error, body);
        return true;
    }

    /// <summary>
    /// INTERRUPT: EINTR now, then release what the handler registered. A request parked with
    /// <see cref="ParkInterrupts.FatalOnly"/> whose caller merely caught a signal runs on; since
    /// the kernel sends one INTERRUPT per request, its caller is then watched, and a later kill
    /// still ends the wait at once.
    /// </summary>
    internal void Interrupt()
    {
        if (IsDone)
            return;
        if (Interrupts == ParkInterrupts.FatalOnly && !Callers.IsDying(Pid))
        {
            var watch = new Timer(static s => ((ParkedRequest)s!).Recheck(), this, Timeout.Infinite, Timeout.Infinite);
            if (Interlocked.CompareExchange(ref _watch, watch, null) is null)
                watch.Change(WatchPeriodMs, WatchPeriodMs);
            else
                watch.Dispose();
            if (IsDone)
                StopWatch();
            return;
        }
        InterruptNow();
    }

    private const int WatchPeriodMs = 200;

    private void Recheck()
    {
        if (IsDone)
            StopWatch();
        else if (Callers.IsDying(Pid))
            InterruptNow();
    }

    private void InterruptNow()
    {
        if (Interlocked.CompareExchange(ref _state, StateAbandoned, StateOpen) != StateOpen)
            return;
        StopWatch();
        _lot.Remove(this);
        _sink.Send(Unique, -(int)Errno.EINTR, default);
        CancelQuietly();
    }

    private void StopWatch() => Interlocked.Exchange(ref _watch, null)?.Dispose();

    /// <summary>Unmount: no reply (nobody reads it), release what the handler registered.</summary>
    internal void Abandon()
    {
        if (Interlocked.CompareExchange(ref _state, StateAbandoned, StateOpen) != StateOpen)
            return;
        StopWatch();
        _lot.Remove(this);
        CancelQuietly();
    }

    private void CancelQuietly()
    {
        try
        {
            Volatile.Read(ref _cts)?.Cancel();
        }
        catch (AggregateException e)
        {
            _lot.Log(e, Unique);
        }
    }
}
