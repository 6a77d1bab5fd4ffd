using StorageFs.Fuse.Protocol;

namespace StorageFs.Fuse.Nodes;

/// <summary>
/// Who is asking, for the request being handled. One instance per reader thread, reused for
/// every request it serves: handlers must not keep it (a parked request's work gets its own,
/// <see cref="ParkedRequest.Context"/>). <see cref="Cancellation"/> fires when the kernel sends
/// INTERRUPT for this request (the caller got a signal).
/// </summary>
public sealed class RequestContext
{
    private readonly InterruptTable? _interrupts;
    private readonly ParkingLot? _lot;
    private readonly IParkedReplySink? _sink;
    private readonly ParkedRequest? _owner;
    private CancellationTokenSource? _cts;
    private bool _registered;
    private ParkedRequest? _parked;

    internal RequestContext(InterruptTable? interrupts, ParkingLot? lot = null, IParkedReplySink? sink = null)
    {
        _interrupts = interrupts;
        _lot = lot;
        _sink = sink;
    }

    internal RequestContext(ParkedRequest owner)
    {
        _owner = owner;
        Begin(owner.Unique, owner.Uid, owner.Gid, owner.Pid);
    }

    public ulong Unique { get; private set; }

    public uint Uid { get; private set; }

    public uint Gid { get; private set; }

    public uint Pid { get; private set; }

    /// <summary>The opcode being served (a node may answer a LOOKUP made for READDIRPLUS more cheaply) and, for READ/WRITE, its size (what a parked reply may carry).</summary>
    public Opcode Opcode { get; internal set; }

    internal uint Size { get; set; }

    /// <summary>
    /// Cancelled by a kernel INTERRUPT. Touch it only in handlers that may block: the first
    /// access registers the request for interrupts.
    /// </summary>
    public CancellationToken Cancellation
    {
        get
        {
            if (_owner is not null)
                return _owner.Abandoned;
            if (_interrupts is null)
                return CancellationToken.None;
            if (!_registered)
            {
                _cts ??= new CancellationTokenSource();
                _registered = true;
                _interrupts.Register(Unique, _cts);
            }
            return _cts!.Token;
        }
    }

    /// <summary>Whether <see cref="Park"/> can succeed here (a request read from the device, not a detached call).</summary>
    public bool CanPark => _sink is not null && _lot is not null && _parked is null;

    /// <summary>
    /// Parks the request being handled: the handler returns at once (its return value then only
    /// matters if it is an error, which answers the parked request), and the returned object
    /// answers later from any thread. EAGAIN when the caller's uid already has the most parked
    /// requests allowed (FuseServerOptions.MaxParkedPerUid); ENOSYS where parking is impossible
    /// (<see cref="CanPark"/> is false).
    /// </summary>
    public Errno Park(out ParkedRequest? parked, ParkInterrupts interrupts = ParkInterrupts.Any)
    {
        parked = null;
        if (!CanPark)
            return Errno.ENOSYS;
        Errno err = _lot!.TryPark(_sink!, Unique, Opcode, Uid, Gid, Pid, Size, interrupts, out parked);
        _parked = parked;
        return err;
    }

    /// <summary>The request parked by the handler that just returned, if any (once).</summary>
    internal ParkedRequest? TakeParked()
    {
        var p = _parked;
        _parked = null;
        return p;
    }

    internal void Begin(ulong unique, uint uid, uint gid, uint pid)
    {
        Unique = unique;
        Uid = uid;
        Gid = gid;
        Pid = pid;
        Size = 0;
    }

    internal void End()
    {
        _parked = null;
        if (!_registered)
            return;
        _registered = false;
        _interrupts!.Unregister(Unique, _cts);
        if (!_cts!.TryReset())
        {
            _cts.Dispose();
            _cts = null;
        }
    }

    /// <summary>A context for calls made outside a kernel request (tests, start-up).</summary>
    public static RequestContext Detached(uint uid = 0, uint gid = 0)
    {
        var ctx = new RequestContext((InterruptTable?)null);
        ctx.Begin(0, uid, gid, 0);
        return ctx;
    }

    /// <summary>
    /// A context outside a kernel request whose handlers may park: late replies go to
    /// <paramref name="sink"/> (tests of the layers above). Call <see cref="Next"/> before each call.
    /// </summary>
    public static RequestContext Parkable(IParkedReplySink sink, uint uid = 0, uint gid = 0, int maxParkedPerUid = 1024, uint pid = 0)
    {
        var interrupts = new InterruptTable();
        var ctx = new RequestContext(interrupts, new ParkingLot(maxParkedPerUid, interrupts), sink);
        ctx.Begin(0, uid, gid, pid);
        return ctx;
    }

    /// <summary>For a <see cref="Parkable"/> context: starts the next simulated request (a new unique) of <paramref name="opcode"/>.</summary>
    public RequestContext Next(ulong unique, Opcode opcode, uint size = 0)
    {
        End();
        Begin(unique, Uid, Gid, Pid);
        Opcode = opcode;
        Size = size;
        return this;
    }

    /// <summary>For a <see cref="Parkable"/> context: delivers an INTERRUPT for <paramref name="unique"/>.</summary>
    public bool SimulateInterrupt(ulong unique) => _interrupts?.Interrupt(unique) ?? false;
}
