using System.Threading.Channels;

namespace StorageFs.Vfs.Tree;

/// <summary>
/// Sends kernel notifications from one background thread. They are raised while a request on
/// the same directory may still be in progress (mkdir in items/ creates an item whose event
/// invalidates items/), and fs/fuse/dev.c takes that directory's lock: sending them inline
/// would deadlock, so they are queued.
/// </summary>
internal sealed class NotifyQueue
{
    private readonly Channel<Action<Notifier>> _queue = Channel.CreateUnbounded<Action<Notifier>>(new UnboundedChannelOptions { SingleReader = true });
    private Notifier? _notifier;

    public void Attach(Notifier notifier)
    {
        _notifier = notifier;
        var t = new Thread(Run) { IsBackground = true, Name = "fuse-notify" };
        t.Start();
    }

    public void Entry(Node parent, string name) => _queue.Writer.TryWrite(n => n.InvalidateEntry(parent, name));

    public void Inode(Node node) => _queue.Writer.TryWrite(n => n.InvalidateInode(node));

    private void Run()
    {
        var reader = _queue.Reader;
        while (reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            while (reader.TryRead(out var action))
                action(_notifier!);
        }
    }
}
