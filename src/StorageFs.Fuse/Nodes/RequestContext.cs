using StorageFs.Fuse.Protocol;

namespace StorageFs.Fuse.Nodes;

/// <summary>
/// Who is asking, for the request being handled. One instance per reader thread, reused for
/// every request it serves: handlers must not keep it. <see cref="Cancellation"/> fires when
/// the kernel sends INTERRUPT for this request (the caller got a signal).
/// </summary>
public sealed class RequestContext
{
    private readonly InterruptTable? _interrupts;
    private CancellationTokenSource? _cts;
    private bool _registered;

    internal RequestContext(InterruptTable? interrupts) => _interrupts = interrupts;

    public ulong Unique { get; private set; }

    public uint Uid { get; private set; }

    public uint Gid { get; private set; }

    public uint Pid { get; private set; }

    /// <summary>
    /// Cancelled by a kernel INTERRUPT. Touch it only in handlers that may block: the first
    /// access registers the request for interrupts.
    /// </summary>
    public CancellationToken Cancellation
    {
        get
        {
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

    internal void Begin(ulong unique, uint uid, uint gid, uint pid)
    {
        Unique = unique;
        Uid = uid;
        Gid = gid;
        Pid = pid;
    }

    internal void End()
    {
        if (!_registered)
            return;
        _registered = false;
        _interrupts!.Unregister(Unique);
        if (!_cts!.TryReset())
        {
            _cts.Dispose();
            _cts = null;
        }
    }

    /// <summary>A context for calls made outside a kernel request (tests, start-up).</summary>
    public static RequestContext Detached(uint uid = 0, uint gid = 0)
    {
        var ctx = new RequestContext(null);
        ctx.Begin(0, uid, gid, 0);
        return ctx;
    }
}
