using StorageFs.Fuse.Nodes;

namespace StorageFs.Fuse.Protocol;

/// <summary>
/// Requests that asked to be interruptible, by unique id. An INTERRUPT can overtake its
/// request when another reader thread has read it but not yet registered it, so unknown ids
/// are remembered (a bounded few) and honoured on registration (libfuse does the same).
/// </summary>
internal sealed class InterruptTable
{
    private const int MaxPending = 256;
    private readonly Lock _gate = new();
    private readonly Dictionary<ulong, CancellationTokenSource> _active = [];
    private readonly HashSet<ulong> _pending = [];
    private readonly Queue<ulong> _pendingOrder = new();

    public void Register(ulong unique, CancellationTokenSource cts)
    {
        bool early;
        lock (_gate)
        {
            early = _pending.Remove(unique);
            _active[unique] = cts;
        }
        if (early)
            cts.Cancel();
    }

    public void Unregister(ulong unique)
    {
        lock (_gate)
            _active.Remove(unique);
    }

    /// <summary>Cancels the request if it is running; returns whether it was found.</summary>
    public bool Interrupt(ulong unique)
    {
        CancellationTokenSource? cts;
        lock (_gate)
        {
            if (!_active.TryGetValue(unique, out cts))
            {
                if (_pending.Add(unique))
                {
                    _pendingOrder.Enqueue(unique);
                    if (_pendingOrder.Count > MaxPending)
                        _pending.Remove(_pendingOrder.Dequeue());
                }
                return false;
            }
        }
        cts.Cancel();
        return true;
    }
}
