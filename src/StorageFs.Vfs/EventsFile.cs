using System.Text;

namespace StorageFs.Vfs;

/// <summary>
/// <c>events</c>: each open starts at "now"; a read returns the records since the last read,
/// blocking until there is one (O_NONBLOCK: EAGAIN; Ctrl-C: EINTR through FUSE INTERRUPT);
/// reading at offset 0 again (lseek to the start) replays the retained history; poll(2)
/// reports readability. Direct I/O and nonseekable offsets: the cursor, not the offset, counts.
/// </summary>
public sealed class EventsFile(EventLog log) : Node, INodeOpen
{
    private const int O_NONBLOCK = 0x800;

    public override TimeSpan? AttrTimeout => TimeSpan.Zero;

    public override Errno GetAttr(RequestContext ctx, ref FuseAttr attr) => Attr.Fill(ref attr, Modes.Reg | Modes.ReadOnly);

    public Errno Open(RequestContext ctx, int flags, out FileHandle? handle)
    {
        handle = null;
        if ((flags & 3) != 0)
            return Errno.EACCES;
        handle = new Handle(log, (flags & O_NONBLOCK) != 0) { OpenFlags = OpenReplyFlags.DirectIo };
        return Errno.Ok;
    }

    private sealed class Handle(EventLog log, bool nonBlocking) : FileHandle
    {
        private readonly Lock _gate = new();
        private long _cursor = log.Next;
        private byte[] _pending = [];
        private int _pendingAt;
        private long _lastOffset;

        public override Errno Read(RequestContext ctx, long offset, Span<byte> buffer, out int bytesRead)
        {
            bytesRead = 0;
            lock (_gate)
            {
                if (offset == 0 && _lastOffset > 0)
                {
                    _cursor = log.Oldest; // rewound: replay what is retained
                    _pending = [];
                    _pendingAt = 0;
                }
                if (_pendingAt >= _pending.Length)
                {
                    string? text = log.Read(ref _cursor, wait: !nonBlocking, ctx.Cancellation);
                    if (text is null)
                        return Errno.EINTR;
                    if (text.Length == 0)
                        return Errno.EAGAIN;
                    _pending = Encoding.UTF8.GetBytes(text);
                    _pendingAt = 0;
                }
                bytesRead = Math.Min(buffer.Length, _pending.Length - _pendingAt);
                _pending.AsSpan(_pendingAt, bytesRead).CopyTo(buffer);
                _pendingAt += bytesRead;
                _lastOffset = offset + bytesRead;
            }
            return Errno.Ok;
        }

        public override Errno Poll(RequestContext ctx, PollWaiter? waiter, uint events, out uint revents)
        {
            lock (_gate)
                revents = _pendingAt < _pending.Length || log.Pending(_cursor, waiter) ? events & (PollEvents.In | PollEvents.RdNorm) : 0;
            return Errno.Ok;
        }
    }
}
