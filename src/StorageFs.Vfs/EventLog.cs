using System.Globalization;

namespace StorageFs.Vfs;

/// <summary>
/// The event stream behind <c>events</c> (/dev/kmsg-like): numbered one-line
/// records in a ring of the last <c>capacity</c>; each reader has its own cursor. Nothing here
/// blocks: a reader with nothing to read leaves a wake-up (<see cref="WhenPending"/>), called
/// once, outside the lock, for the next record; poll waiters are woken the same way.
/// </summary>
public sealed class EventLog(int capacity = 1000, TimeProvider? clock = null)
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private readonly Lock _gate = new();
    private readonly Queue<(long Seq, string Line)> _ring = new();
    private readonly HashSet<Action> _wakeups = [];
    private readonly Dictionary<ulong, PollWaiter> _polls = []; // by kernel handle: a poll loop keeps one
    private long _next = 1;

    /// <summary>The sequence number the next record will get.</summary>
    public long Next
    {
        get
        {
            lock (_gate)
                return _next;
        }
    }

    /// <summary>The oldest sequence number still held.</summary>
    public long Oldest
    {
        get
        {
            lock (_gate)
                return _ring.Count > 0 ? _ring.Peek().Seq : _next;
        }
    }

    /// <summary>Wake-ups waiting for the next record (parked readers and poll waiters).</summary>
    public int Waiting
    {
        get
        {
            lock (_gate)
                return _wakeups.Count + _polls.Count;
        }
    }

    /// <summary>Publishes <c>event=<paramref name="name"/> object=<paramref name="obj"/></c> plus extra <c>key=value</c> pairs.</summary>
    public long Publish(string name, string obj, params (string Key, string Value)[] extra)
    {
        Action[] wake;
        PollWaiter[] polls;
        long seq;
        lock (_gate)
        {
            seq = _next++;
            string time = _clock.GetUtcNow().UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
            string line = $"{seq} time={time} event={name} object={obj}";
            foreach (var (k, v) in extra)
                line += $" {k}={ErrorLog.Escape(v).Replace(' ', '_')}";
            _ring.Enqueue((seq, line + "\n"));
            while (_ring.Count > capacity)
                _ring.Dequeue();
            wake = [.. _wakeups];
            _wakeups.Clear();
            polls = [.. _polls.Values];
            _polls.Clear();
        }
        foreach (var w in wake)
            w();
        foreach (var p in polls)
            p.Wake();
        return seq;
    }

    /// <summary>
    /// The records from <paramref name="cursor"/> on, as text, advancing the cursor; empty when
    /// there are none yet. If records were dropped before the reader got them, a
    /// <c>lost count=N</c> line says so.
    /// </summary>
    public string Read(ref long cursor)
    {
        lock (_gate)
        {
            if (cursor >= _next)
                return "";
            var text = new System.Text.StringBuilder();
            long oldest = _ring.Count > 0 ? _ring.Peek().Seq : _next;
            if (cursor < oldest)
            {
                text.Append(CultureInfo.InvariantCulture, $"{oldest - 1} event=lost count={oldest - cursor}\n");
                cursor = oldest;
            }
            foreach (var (seq, line) in _ring)
            {
                if (seq >= cursor)
                    text.Append(line);
            }
            cursor = _next;
            return text.ToString();
        }
    }

    /// <summary>
    /// True if <paramref name="cursor"/> has records to read now; otherwise keeps
    /// <paramref name="wake"/> and calls it once, on the next record (checked and kept under one
    /// lock, so no record slips between).
    /// </summary>
    public bool WhenPending(long cursor, Action wake)
    {
        lock (_gate)
        {
            if (cursor < _next)
                return true;
            _wakeups.Add(wake);
            return false;
        }
    }

    /// <summary>Drops a wake-up that is no longer wanted (its reader was interrupted).</summary>
    public void Forget(Action wake)
    {
        lock (_gate)
            _wakeups.Remove(wake);
    }

    /// <summary>True if <paramref name="cursor"/> has records to read; otherwise keeps <paramref name="waiter"/> for the next record.</summary>
    public bool Pending(long cursor, PollWaiter? waiter)
    {
        lock (_gate)
        {
            if (cursor < _next)
                return true;
            if (waiter is not null)
                _polls[waiter.KernelHandle] = waiter;
            return false;
        }
    }
}
