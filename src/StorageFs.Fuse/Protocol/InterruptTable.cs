using StorageFs.Fuse.Nodes;

namespace StorageFs.Fuse.Protocol;

/// <summary>
/// Requests that can be interrupted, by unique id: a running handler that asked for a
/// cancellation token, or a parked request. An INTERRUPT can overtake its request when another
/// reader thread has read it but not yet registered it, so unknown ids are remembered (a bounded
/// few) and honoured on registration (libfuse does the same). One lock covers both kinds, so an
/// interrupt racing a park is never lost.
/// </summary>
internal sealed class InterruptTable
{
    private const int MaxPending = 256;
    private readonly Lock _gate = new();
    private readonly Dictionary<ulong, object> _active = [];
    private readonly HashSet<ulong> _pending = [];
    private readonly Queue<ulong> _pendingOrder = new();

    public void Register(ulong unique, CancellationTokenSource cts)
    {
        if (Add(unique, cts))
            cts.Cancel();
    }

    /// <summary>Registers a parked request; true when its INTERRUPT already came.</summary>
    public bool RegisterParked(ulong unique, ParkedRequest parked) => Add(unique, parked);

    private bool Add(ulong unique, object target)
    {
        lock (_gate)
        {
            _active[unique] = target;
            return _pending.Remove(unique);
        }
    }

    public void Unregister(ulong unique) => Unregister(unique, null);

    /// <summary>Removes the entry for <paramref name="unique"/> if it is <paramref name="target"/> (any entry when null).</summary>
    public void Unregister(ulong unique, object? target)
    {
        lock (_gate)
        {
            if (target is null || (_active.TryGetValue(unique, out var current) && ReferenceEquals(current, target)))
                _active.Remove(unique);
        }
    }

    /// <summary>Cancels the running request, or answers the parked one with EINTR; returns whether it was found.</summary>
    public bool Interrupt(ulong unique)
    {
        object? target;
        lock (_gate)
        {
            if (!_active.TryGetValue(unique, out target))
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
        if (target is ParkedRequest parked)
            parked.Interrupt();
        else
            ((CancellationTokenSource)target).Cancel();
        return true;
    }
}
