using Serilog;
using StorageFs.Fuse.Nodes;

namespace StorageFs.Fuse.Protocol;

/// <summary>
/// The parked requests of a connection, counted per uid so one user cannot hold unbounded
/// memory (beyond <c>maxPerUid</c>, <see cref="RequestContext.Park"/> answers EAGAIN for that
/// user alone). Each parked request is also in the <see cref="InterruptTable"/>, so an INTERRUPT
/// (or one that overtook its request) answers it with EINTR at once.
/// </summary>
internal sealed class ParkingLot(int maxPerUid, InterruptTable? interrupts, ILogger? log = null)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<uint, int> _perUid = [];
    private readonly HashSet<ParkedRequest> _all = [];

    public int MaxPerUid => maxPerUid;

    public int Count
    {
        get
        {
            lock (_gate)
                return _all.Count;
        }
    }

    public Errno TryPark(IParkedReplySink sink, ulong unique, Opcode opcode, uint uid, uint gid, uint pid, uint size, ParkInterrupts mode, out ParkedRequest? parked)
    {
        parked = null;
        var p = new ParkedRequest(this, sink, unique, opcode, uid, gid, pid, size, mode);
        lock (_gate)
        {
            _perUid.TryGetValue(uid, out int n);
            if (n >= maxPerUid)
                return Errno.EAGAIN;
            _perUid[uid] = n + 1;
            _all.Add(p);
        }
        parked = p;
        if (interrupts?.RegisterParked(unique, p) == true)
            p.Interrupt(); // the INTERRUPT came first
        return Errno.Ok;
    }

    public int CountFor(uint uid)
    {
        lock (_gate)
            return _perUid.GetValueOrDefault(uid);
    }

    internal void Remove(ParkedRequest p)
    {
        lock (_gate)
        {
            if (!_all.Remove(p))
                return;
            if (--CollectionsMarshal.GetValueRefOrNullRef(_perUid, p.Uid) == 0)
                _perUid.Remove(p.Uid);
        }
        interrupts?.Unregister(p.Unique, p);
    }

    /// <summary>The connection is gone: every parked request is dropped and its resources released.</summary>
    public void AbandonAll()
    {
        ParkedRequest[] all;
        lock (_gate)
            all = [.. _all];
        foreach (var p in all)
            p.Abandon();
    }

    internal void Log(Exception e, ulong unique) =>
        log?.Error(e, "Releasing parked request {Unique} failed", unique);
}
