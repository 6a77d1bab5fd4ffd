using System.Threading.Channels;

namespace StorageFs.Vfs.Tree;

/// <summary>
/// Sends kernel notifications from one background thread. They are raised while a request on
/// the same directory may still be in progress (mkdir in items/ creates an item whose event
/// invalidates items/), and fs/fuse/dev.c takes that directory's lock: sending them inline
/// would deadlock, so they are queued. A command written to a control file waits for what it
/// queued (<see cref="Settle"/>), so a script's next step already sees the change
/// (<c>undefine</c>, then <c>test ! -e pools/P</c>).
/// </summary>
internal sealed class NotifyQueue
{
    private readonly Channel<Action<Notifier>> _queue = Channel.CreateUnbounded<Action<Notifier>>(new UnboundedChannelOptions { SingleReader = true });
    private Notifier? _notifier;
    private long _queued;
    private long _sent;
    private readonly object _gate = new(); // Monitor.Wait/PulseAll

    public void Attach(Notifier notifier)
    {
        _notifier = notifier;
        var t = new Thread(Run) { IsBackground = true, Name = "fuse-notify" };
        t.Start();
    }

    public void Entry(Node parent, string name) => Enqueue(n => n.InvalidateEntry(parent, name));

    public void Inode(Node node) => Enqueue(n => n.InvalidateInode(node));

    private void Enqueue(Action<Notifier> action)
    {
        Interlocked.Increment(ref _queued);
        if (!_queue.Writer.TryWrite(action))
            Interlocked.Increment(ref _sent);
    }

    /// <summary>
    /// Waits (at most <paramref name="timeout"/>) until every notification queued before the call
    /// has been sent. Only from a request that holds no directory lock the notifications need
    /// (a write to a control file); the timeout bounds the wait if that rule is ever broken.
    /// </summary>
    public void Settle(TimeSpan timeout)
    {
        long target = Interlocked.Read(ref _queued);
        if (_notifier is null || Interlocked.Read(ref _sent) >= target)
            return;
        long deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        lock (_gate)
        {
            while (Interlocked.Read(ref _sent) < target)
            {
                long left = deadline - Environment.TickCount64;
                if (left <= 0 || !Monitor.Wait(_gate, (int)left))
                    return;
            }
        }
    }

    private void Run()
    {
        var reader = _queue.Reader;
        while (reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            while (reader.TryRead(out var action))
            {
                action(_notifier!);
                Interlocked.Increment(ref _sent);
            }
            lock (_gate)
                Monitor.PulseAll(_gate);
        }
    }
}
