namespace StorageFs.Backends.Rbd;

/// <summary>
/// Keeps an image's resizes apart from its I/O without holding a thread while either waits.
/// I/O enters shared and leaves (<see cref="Exit"/>) from whichever thread completes it, a
/// librbd callback included; a resize enters exclusive once nothing is in flight. Entries that
/// cannot start now are queued in order and started later by the thread that opens the way:
/// shared ones (which only submit a librbd request and must not block) on the thread leaving
/// exclusive, exclusive ones (which block on the cluster) on a thread-pool thread, never on a
/// FUSE reader or librbd's callback thread. A stalled cluster thus holds at most one pool thread
/// per image (its one resize), and the requests queued behind it hold none.
/// Invariant: while nothing is exclusive, the queue is empty or starts with an exclusive entry.
/// </summary>
internal sealed class RbdIoGate
{
    private readonly object _sync = new();
    private readonly Queue<(Action Run, bool Exclusive)> _waiting = new();
    private int _inflight;
    private bool _exclusive;

    /// <summary>Enters shared when nothing exclusive runs or waits; the caller then owes one
    /// <see cref="Exit"/>. False: nothing entered (queue the request with <see cref="Enter(Action)"/>).</summary>
    public bool TryEnter()
    {
        lock (_sync)
        {
            if (_exclusive || _waiting.Count > 0)
            {
                return false;
            }
            _inflight++;
            return true;
        }
    }

    /// <summary>Enters shared and runs <paramref name="start"/>: now on this thread, or later on
    /// the thread that ends the exclusive entries queued ahead of it. It owes one <see cref="Exit"/>
    /// and must neither block nor throw.</summary>
    public void Enter(Action start)
    {
        lock (_sync)
        {
            if (_exclusive || _waiting.Count > 0)
            {
                _waiting.Enqueue((start, false));
                return;
            }
            _inflight++;
        }
        start();
    }

    /// <summary>Enters shared, waiting (the synchronous members; never on a FUSE reader).</summary>
    public void Enter()
    {
        if (TryEnter())
        {
            return;
        }
        var entered = new ManualResetEventSlim();
        Enter(entered.Set);
        entered.Wait();
    }

    public void Exit()
    {
        Action? next = null;
        lock (_sync)
        {
            if (--_inflight == 0 && !_exclusive && _waiting.TryDequeue(out var head))
            {
                _exclusive = true;
                next = head.Run;
            }
        }
        if (next is not null)
        {
            Dispatch(next);
        }
    }

    /// <summary>Enters exclusive and runs <paramref name="run"/> on a thread-pool thread once
    /// nothing is in flight; it owes one <see cref="ExitExclusive"/> and must not throw.</summary>
    public void EnterExclusive(Action run)
    {
        lock (_sync)
        {
            if (_exclusive || _inflight > 0 || _waiting.Count > 0)
            {
                _waiting.Enqueue((run, true));
                return;
            }
            _exclusive = true;
        }
        Dispatch(run);
    }

    /// <summary>Enters exclusive, waiting (a close's settle, a dispose, the synchronous members).</summary>
    public void EnterExclusive()
    {
        lock (_sync)
        {
            if (!_exclusive && _inflight == 0 && _waiting.Count == 0)
            {
                _exclusive = true;
                return;
            }
        }
        var entered = new ManualResetEventSlim();
        EnterExclusive(entered.Set);
        entered.Wait();
    }

    /// <summary>Leaves exclusive; with <paramref name="stayShared"/> the caller keeps a shared
    /// entry (a growing write submitted right after its resize, no other resize between) and owes
    /// an <see cref="Exit"/>. The shared entries queued next start on this thread.</summary>
    public void ExitExclusive(bool stayShared = false)
    {
        List<Action>? starts = null;
        Action? next = null;
        lock (_sync)
        {
            _exclusive = false;
            if (stayShared)
            {
                _inflight++;
            }
            while (_waiting.TryPeek(out var head) && !head.Exclusive)
            {
                _waiting.Dequeue();
                _inflight++;
                (starts ??= []).Add(head.Run);
            }
            if (_inflight == 0 && _waiting.TryDequeue(out var exclusive))
            {
                _exclusive = true;
                next = exclusive.Run;
            }
        }
        if (starts is not null)
        {
            foreach (var start in starts)
            {
                start();
            }
        }
        if (next is not null)
        {
            Dispatch(next);
        }
    }

    private static void Dispatch(Action run) => ThreadPool.UnsafeQueueUserWorkItem(static r => r(), run, preferLocal: false);
}
