using Microsoft.Win32.SafeHandles;
using Serilog;
using StorageFs.Fuse.Nodes;

namespace StorageFs.Fuse.Protocol;

/// <summary>
/// POSIX, OFD and flock locks taken through the mount, kept by the host kernel: every lock
/// owner the FUSE kernel names (fuse_lk_in.owner) gets, per node, an open file description of its
/// own, and its locks are OFD locks (F_OFD_SETLK) or flock(2) on that description. The host's
/// lock rules then do all the work: owners conflict with each other and, for
/// <see cref="FileLocks.Host"/> handles (volumes, item files), with every other locker of the
/// host file, both ways; POSIX and OFD locks share one space and flock another, as on the host.
/// <list type="bullet">
/// <item>The kernel names a POSIX lock by the process's files_struct, an OFD lock and a flock by
/// the open file (fs/fuse/file.c fuse_lk_fill, fuse_lock_owner_id), so one table serves all three.</item>
/// <item>FLUSH carries the closing process's owner: its POSIX locks on the file go, as close(2)
/// drops them (the owner's description is closed). OFD and flock owners never match a FLUSH.</item>
/// <item>RELEASE (the last close of an open file) drops every owner that locked through that
/// handle only: the open file's own OFD and flock locks, and a POSIX owner whose FLUSH never
/// came (a FOPEN_NOFLUSH handle) once no other handle of it is open.</item>
/// <item>A description is a reopen of the handle's host file through /proc/self/fd (the same
/// inode, never a path lookup); a <see cref="FileLocks.Local"/> node gets a memfd to stand for it.</item>
/// </list>
/// Only non-blocking calls are made here; a blocking SETLKW is parked and retried
/// (<see cref="Wait"/>).
/// </summary>
internal sealed class LockTable(ILogger log)
{
    private const long OffsetMax = long.MaxValue;
    private readonly Lock _gate = new();
    private readonly Dictionary<ulong, NodeLocks> _nodes = [];

    private sealed class NodeLocks
    {
        public SafeFileHandle? Anchor; // FileLocks.Local: the memfd standing for the node

        public Dictionary<ulong, Owner> Owners { get; } = [];
    }

    private sealed class Owner(SafeFileHandle fd, ulong fh)
    {
        public SafeFileHandle Fd { get; } = fd;

        public HashSet<ulong> Via { get; } = [fh];
    }

    /// <summary>Nodes with lock state (tests).</summary>
    public int NodeCount
    {
        get
        {
            lock (_gate)
                return _nodes.Count;
        }
    }

    /// <summary>Descriptors held for lock owners (tests).</summary>
    public int OwnerCount
    {
        get
        {
            lock (_gate)
                return _nodes.Values.Sum(n => n.Owners.Count);
        }
    }

    /// <summary>GETLK: the first lock that would conflict with <paramref name="lk"/> for <paramref name="owner"/>, or F_UNLCK.</summary>
    public unsafe Errno Get(ulong node, ulong fh, FileHandle handle, ulong owner, in Wire.FuseFileLock lk, out Wire.FuseFileLock conflict)
    {
        conflict = new Wire.FuseFileLock { Type = (uint)Libc.F_UNLCK };
        if (handle.Locks == FileLocks.None)
            return Errno.ENOLCK;
        Errno err = ToFlock(lk, out Libc.FlockStruct q);
        if (err != Errno.Ok)
            return err;
        lock (_gate)
        {
            _nodes.TryGetValue(node, out NodeLocks? n);
            SafeHandle? fd = n is not null && n.Owners.TryGetValue(owner, out Owner? o) ? o.Fd
                : handle.Locks == FileLocks.Host ? handle.Backing
                : n?.Anchor;
            if (fd is null)
                return Errno.Ok; // nobody ever locked this node through the mount
            // The owner's own description (or one holding no locks) sees every other owner's locks.
            if (Libc.FcntlLock(Fd(fd), Libc.F_OFD_GETLK, &q) < 0)
                return (Errno)Libc.LastErrno;
        }
        if (q.Type == Libc.F_UNLCK)
            return Errno.Ok;
        conflict = new Wire.FuseFileLock
        {
            Type = (uint)q.Type,
            Start = (ulong)q.Start,
            End = q.Len == 0 ? OffsetMax : (ulong)(q.Start + q.Len - 1),
            Pid = q.Pid > 0 ? (uint)q.Pid : 0, // an OFD lock has no pid (-1)
        };
        return Errno.Ok;
    }

    /// <summary>SETLK, or one attempt of SETLKW: EAGAIN when another owner holds a conflicting lock.</summary>
    public unsafe Errno Set(ulong node, ulong fh, FileHandle handle, ulong owner, in Wire.FuseFileLock lk, bool flock)
    {
        if (handle.Locks == FileLocks.None)
            return Errno.ENOLCK;
        Errno err = ToFlock(lk, out Libc.FlockStruct q);
        if (err != Errno.Ok)
            return err;
        bool unlock = q.Type == Libc.F_UNLCK;
        lock (_gate)
        {
            err = OwnerFd(node, fh, handle, owner, create: !unlock, out SafeFileHandle? fd);
            if (err != Errno.Ok || fd is null)
                return err; // nothing to unlock for an owner that holds nothing
            int rc = flock
                ? Libc.Flock(Fd(fd), (q.Type == Libc.F_RDLCK ? Libc.LOCK_SH : unlock ? Libc.LOCK_UN : Libc.LOCK_EX) | Libc.LOCK_NB)
                : Libc.FcntlLock(Fd(fd), Libc.F_OFD_SETLK, &q);
            if (rc == 0)
                return Errno.Ok;
            err = (Errno)Libc.LastErrno;
        }
        return err == Errno.EACCES ? Errno.EAGAIN : err;
    }

    /// <summary>FLUSH: <paramref name="owner"/> (a process) closed a descriptor of the node and loses its POSIX locks there.</summary>
    public void Flush(ulong node, ulong owner)
    {
        lock (_gate)
        {
            if (_nodes.Count == 0 || !_nodes.TryGetValue(node, out NodeLocks? n) || !n.Owners.Remove(owner, out Owner? o))
                return;
            o.Fd.Dispose();
            DropIfEmpty(node, n);
        }
    }

    /// <summary>RELEASE of <paramref name="fh"/>: every owner that locked through it alone loses its locks (and <paramref name="flockOwner"/>, when the kernel names it).</summary>
    public void Release(ulong node, ulong fh, ulong? flockOwner)
    {
        lock (_gate)
        {
            if (_nodes.Count == 0 || !_nodes.TryGetValue(node, out NodeLocks? n))
                return;
            foreach (var (id, o) in n.Owners.ToArray())
            {
                // An owner seen through other handles too stays: a POSIX owner still holding the
                // file open elsewhere, or an open file that reused the address (the owner id) of
                // this one before this RELEASE, which the kernel sends in the background, came.
                if ((o.Via.Remove(fh) && o.Via.Count == 0) || id == flockOwner)
                {
                    n.Owners.Remove(id);
                    o.Fd.Dispose();
                }
            }
            DropIfEmpty(node, n);
        }
    }

    /// <summary>
    /// A parked SETLKW: retried with non-blocking attempts, 2 ms after the first and then twice as
    /// long each time up to 200 ms, on a timer (no thread is held while it waits). An INTERRUPT
    /// answers EINTR and stops the retries; a lock won after that is given back at once.
    /// </summary>
    public void Wait(ParkedRequest parked, Func<Errno> attempt, Action undo)
    {
        var w = new Waiter(parked, attempt, undo, log);
        w.Start();
    }

    private sealed class Waiter(ParkedRequest parked, Func<Errno> attempt, Action undo, ILogger log)
    {
        private const int FirstMs = 2, MaxMs = 200;
        private readonly Lock _gate = new();
        private Timer? _timer;
        private int _delay = FirstMs;

        public void Start()
        {
            lock (_gate)
                _timer = new Timer(static s => ((Waiter)s!).Tick(), this, _delay, Timeout.Infinite);
            parked.Abandoned.Register(static s => ((Waiter)s!).Stop(), this);
        }

        private void Stop()
        {
            lock (_gate)
            {
                _timer?.Dispose();
                _timer = null;
            }
        }

        private void Tick()
        {
            if (parked.IsDone)
            {
                Stop();
                return;
            }
            Errno err;
            try
            {
                err = attempt();
            }
            catch (Exception e)
            {
                log.Error(e, "A lock wait for request {Unique} failed", parked.Unique);
                err = Errno.EIO;
            }
            if (err == Errno.EAGAIN)
            {
                lock (_gate)
                {
                    _delay = Math.Min(_delay * 2, MaxMs);
                    _timer?.Change(_delay, Timeout.Infinite);
                }
                return;
            }
            Stop();
            if (!parked.Reply(err) && err == Errno.Ok)
                undo(); // interrupted meanwhile: the caller does not know it holds the lock
        }
    }

    private Errno OwnerFd(ulong node, ulong fh, FileHandle handle, ulong owner, bool create, out SafeFileHandle? fd)
    {
        fd = null;
        if (!_nodes.TryGetValue(node, out NodeLocks? n))
        {
            if (!create)
                return Errno.Ok;
            n = new NodeLocks();
            _nodes[node] = n;
        }
        if (n.Owners.TryGetValue(owner, out Owner? o))
        {
            o.Via.Add(fh);
            fd = o.Fd;
            return Errno.Ok;
        }
        if (!create)
            return Errno.Ok;
        Errno err = Reopen(n, handle, out fd);
        if (err != Errno.Ok)
        {
            DropIfEmpty(node, n);
            return err;
        }
        n.Owners[owner] = new Owner(fd!, fh);
        return Errno.Ok;
    }

    /// <summary>A new open file description of the node's file (host file or memfd), for one owner.</summary>
    private Errno Reopen(NodeLocks n, FileHandle handle, out SafeFileHandle? fd)
    {
        fd = null;
        SafeHandle? source;
        if (handle.Locks == FileLocks.Host)
        {
            source = handle.Backing;
            if (source is null)
                return Errno.ENOLCK;
        }
        else
        {
            if (n.Anchor is null)
            {
                int m = Libc.MemfdCreate("storagefs-lock", Libc.MFD_CLOEXEC);
                if (m < 0)
                    return (Errno)Libc.LastErrno;
                n.Anchor = new SafeFileHandle(m, ownsHandle: true);
            }
            source = n.Anchor;
        }
        bool added = false;
        try
        {
            source.DangerousAddRef(ref added);
            int src = (int)source.DangerousGetHandle();
            int mode = Libc.Fcntl(src, Libc.F_GETFL, 0);
            if (mode < 0)
                return (Errno)Libc.LastErrno;
            // Through /proc/self/fd: the same inode the handle has open, never a path lookup.
            int nfd = Libc.Open($"/proc/self/fd/{src}", (mode & Libc.O_ACCMODE) | Libc.O_CLOEXEC | Libc.O_NONBLOCK | Libc.O_NOCTTY, 0);
            if (nfd < 0)
            {
                Errno err = (Errno)Libc.LastErrno;
                log.Warning("Reopening descriptor {Fd} for a lock owner failed: {Errno}", src, err);
                return err is Errno.EMFILE or Errno.ENFILE ? Errno.ENOLCK : err;
            }
            fd = new SafeFileHandle(nfd, ownsHandle: true);
            return Errno.Ok;
        }
        finally
        {
            if (added)
                source.DangerousRelease();
        }
    }

    private void DropIfEmpty(ulong node, NodeLocks n)
    {
        if (n.Owners.Count > 0)
            return;
        n.Anchor?.Dispose();
        _nodes.Remove(node);
    }

    private static int Fd(SafeHandle h) => (int)h.DangerousGetHandle();

    private static Errno ToFlock(in Wire.FuseFileLock lk, out Libc.FlockStruct q)
    {
        q = default;
        if (lk.Type > (uint)Libc.F_UNLCK || lk.Start > OffsetMax || lk.End < lk.Start)
            return Errno.EINVAL;
        q.Type = (short)lk.Type;
        q.Whence = 0; // SEEK_SET
        q.Start = (long)lk.Start;
        q.Len = lk.End >= OffsetMax ? 0 : (long)(lk.End - lk.Start + 1);
        return Errno.Ok;
    }
}
