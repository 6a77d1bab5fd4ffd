using System.Text;

namespace StorageFs.Vfs;

/// <summary>
/// <c>events</c>: each open starts at "now"; a read returns the records since the last read,
/// or, when there are none, waits for the next one without holding a thread: the read is parked
/// (<see cref="RequestContext.Park"/>) and answered when a record is published (O_NONBLOCK:
/// EAGAIN; Ctrl-C or kill: EINTR at once through FUSE INTERRUPT). Reading at offset 0 again
/// (lseek to the start) replays the retained history; poll(2) reports readability. Direct I/O
/// and nonseekable offsets: the cursor, not the offset, counts.
/// </summary>
public sealed class EventsFile(EventLog log, ErrorLog? errors = null) : Node, INodeOpen
{
    private const int O_NONBLOCK = 0x800;

    public override TimeSpan? AttrTimeout => TimeSpan.Zero;

    public override Errno GetAttr(RequestContext ctx, ref FuseAttr attr) => Attr.Fill(ref attr, Modes.Reg | Modes.ReadOnly);

    public Errno Open(RequestContext ctx, int flags, out FileHandle? handle)
    {
        handle = null;
        if ((flags & 3) != 0)
            return Errno.EACCES;
        handle = new Handle(log, errors, (flags & O_NONBLOCK) != 0) { OpenFlags = OpenReplyFlags.DirectIo };
        return Errno.Ok;
    }

    private sealed class Handle(EventLog log, ErrorLog? errors, bool nonBlocking) : FileHandle
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
                if (Fill())
                {
                    bytesRead = Take(buffer, offset);
                    return Errno.Ok;
                }
                if (nonBlocking || !ctx.CanPark)
                    return Errno.EAGAIN;
                Errno err = ctx.Park(out ParkedRequest? parked);
                if (err != Errno.Ok)
                {
                    errors?.Add(ctx, "read", "events", err, ParkRefusal.Message(ctx));
                    return err;
                }
                new Waiter(this, parked!, offset).Arm();
                return Errno.Ok;
            }
        }

        /// <summary>Makes sure unread bytes are pending; false when there is nothing to read yet.</summary>
        private bool Fill()
        {
            if (_pendingAt < _pending.Length)
                return true;
            string text = log.Read(ref _cursor);
            if (text.Length == 0)
                return false;
            _pending = Encoding.UTF8.GetBytes(text);
            _pendingAt = 0;
            return true;
        }

        private int Take(Span<byte> buffer, long offset)
        {
            int n = Math.Min(buffer.Length, _pending.Length - _pendingAt);
            _pending.AsSpan(_pendingAt, n).CopyTo(buffer);
            _pendingAt += n;
            _lastOffset = offset + n;
            return n;
        }

        public override Errno Poll(RequestContext ctx, PollWaiter? waiter, uint events, out uint revents)
        {
            lock (_gate)
                revents = _pendingAt < _pending.Length || log.Pending(_cursor, waiter) ? events & (PollEvents.In | PollEvents.RdNorm) : 0;
            return Errno.Ok;
        }

        /// <summary>A parked read: answered by the first record after it (or EINTR by the engine).</summary>
        private sealed class Waiter
        {
            private readonly Handle _handle;
            private readonly ParkedRequest _parked;
            private readonly long _offset;
            private readonly Action _wake;

            public Waiter(Handle handle, ParkedRequest parked, long offset)
            {
                _handle = handle;
                _parked = parked;
                _offset = offset;
                _wake = Fire;
                parked.Abandoned.Register(static s => ((Waiter)s!).Drop(), this);
            }

            /// <summary>Waits for the next record, or answers now if one came meanwhile. Call with the handle's lock held.</summary>
            public void Arm()
            {
                if (Log.WhenPending(_handle._cursor, _wake))
                    Answer();
            }

            private EventLog Log => _handle.EventLog;

            private void Fire()
            {
                lock (_handle._gate)
                {
                    if (!_parked.IsDone)
                        Arm();
                }
            }

            private void Answer()
            {
                if (_parked.IsDone || !_handle.Fill())
                {
                    if (!_parked.IsDone)
                        Log.WhenPending(_handle._cursor, _wake);
                    return;
                }
                int n = (int)Math.Min(_parked.Size, (uint)(_handle._pending.Length - _handle._pendingAt));
                // The bytes stay pending unless the reply went out (an INTERRUPT may have won).
                if (_parked.Reply(_handle._pending.AsSpan(_handle._pendingAt, n)))
                {
                    _handle._pendingAt += n;
                    _handle._lastOffset = _offset + n;
                }
            }

            private void Drop() => Log.Forget(_wake);
        }

        private EventLog EventLog => log;
    }
}
