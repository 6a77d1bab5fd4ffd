using System.Globalization;

namespace StorageFs.Vfs;

/// <summary>
/// The event stream behind <c>events</c> (/dev/kmsg-like): numbered one-line
/// records in a ring of the last <c>capacity</c>; each reader has its own cursor; readers block
/// until a record arrives and poll waiters are woken on each new record.
/// </summary>
public sealed class EventLog(int capacity = 1000, TimeProvider? clock = null)
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private readonly object _gate = new(); // Monitor, for Wait/PulseAll
    private readonly Queue<(long Seq, string Line)> _ring = new();
    private readonly List<PollWaiter> _waiters = [];
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

    /// <summary>Publishes <c>event=<paramref name="name"/> object=<paramref name="obj"/></c> plus extra <c>key=value</c> pairs.</summary>
    public long Publish(string name, string obj, params (string Key, string Value)[] extra)
    {
        List<PollWaiter> wake;
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
            wake = [.. _waiters];
            _waiters.Clear();
            Monitor.PulseAll(_gate);
        }
        foreach (var w in wake)
            w.Wake();
        return seq;
    }

    /// <summary>
    /// The records from <paramref name="cursor"/> on, as text, advancing the cursor. If records
    /// were dropped before the reader got them, a <c>lost count=N</c> line says so. Blocks (unless
    /// <paramref name="wait"/> is false) until there is something; returns null when cancelled.
    /// </summary>
    public string? Read(ref long cursor, bool wait, CancellationToken cancel)
    {
        lock (_gate)
        {
            while (true)
            {
                if (cursor < _next)
                {
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
                if (!wait)
                    return "";
                if (cancel.IsCancellationRequested)
                    return null;
                using (cancel.Register(() =>
                {
                    lock (_gate)
                        Monitor.PulseAll(_gate);
                }))
                {
                    Monitor.Wait(_gate, TimeSpan.FromSeconds(1));
                }
            }
        }
    }

    /// <summary>True if <paramref name="cursor"/> has records to read; otherwise keeps <paramref name="waiter"/> for the next record.</summary>
    public bool Pending(long cursor, PollWaiter? waiter)
    {
        lock (_gate)
        {
            if (cursor < _next)
                return true;
            if (waiter is not null)
                _waiters.Add(waiter);
            return false;
        }
    }
}
