using Microsoft.Win32.SafeHandles;
using Serilog;
using StorageFs.Fuse.Nodes;
using StorageFs.Fuse.Protocol;

namespace StorageFs.Fuse.Session;

/// <summary>
/// Serves a node tree on a mountpoint. Threading (go-fuse fuse/server.go): reader threads each
/// own a /dev/fuse descriptor (the first the master, the others clones: a reply must go to the
/// descriptor its request came from) and two pinned buffers, and handle each request inline.
/// When the last idle reader takes a request, another is started, up to MaxReaders. A handler
/// that must wait (an events read, a job, a blocking lock) parks its request instead of
/// blocking (<see cref="RequestContext.Park"/>), and the late reply goes to the reader's own
/// descriptor through <see cref="DeviceReplies"/>.
/// </summary>
public sealed class FuseServer : IDisposable
{
    private readonly FuseServerOptions _options;
    private readonly ILogger _log;
    private readonly List<Thread> _threads = [];
    private readonly Lock _gate = new();
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private FuseMount? _mount;
    private int _readers;
    private int _idle;
    private int _live;
    private volatile bool _stopping;

    public FuseServer(Node root, FuseServerOptions options, ILogger logger)
    {
        _options = options;
        _log = logger.ForContext<FuseServer>();
        _root = root;
        _logger = logger;
    }

    private readonly Node _root;
    private readonly ILogger _logger;
    private Dispatcher? _dispatcher;

    /// <summary>Kernel notifications for this mount (valid after <see cref="Mount"/>).</summary>
    public Notifier Notifier => Active.Notifier;

    public string? Mountpoint => _mount?.Mountpoint;

    /// <summary>True when the kernel accepted FUSE passthrough at INIT.</summary>
    public bool PassthroughActive => Active.PassthroughActive;

    /// <summary>Completes when every reader has stopped (the filesystem was unmounted).</summary>
    public Task Completion => _done.Task;

    private Dispatcher Active => _dispatcher ?? throw new InvalidOperationException("not mounted");

    /// <summary>Mounts and starts serving; returns once the kernel's INIT has been answered.</summary>
    public void Mount(string mountpoint, bool forceFusermount = false)
    {
        _mount = FuseMount.Create(mountpoint, _options, _logger, forceFusermount);
        _dispatcher = new Dispatcher(_root, _options, new DeviceChannel(_mount.Fd), _logger);
        StartReader(_mount.Fd);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!_dispatcher.Initialized && DateTime.UtcNow < deadline && !_done.Task.IsCompleted)
            Thread.Sleep(1);
        if (!_dispatcher.Initialized)
        {
            Dispose();
            throw new FuseMountException($"the kernel sent no INIT for {mountpoint} within 10 s");
        }
        for (int i = 1; i < _options.MinReaders; i++)
            TryStartClone();
    }

    private void TryStartClone()
    {
        int fd = DeviceChannel.Clone(_mount!.Fd);
        if (fd < 0)
        {
            _log.Warning("FUSE_DEV_IOC_CLONE failed ({Errno}); serving with {Readers} reader(s)", (Errno)(-fd), _readers);
            return;
        }
        StartReader(fd);
    }

    private void StartReader(int fd)
    {
        lock (_gate)
        {
            if (_stopping)
            {
                if (fd != _mount!.Fd)
                    Libc.Close(fd);
                return;
            }
            _readers++;
            _live++;
            Interlocked.Increment(ref _idle);
            var t = new Thread(() => ReaderLoop(fd)) { IsBackground = true, Name = $"fuse-reader-{_readers}" };
            try
            {
                t.Start();
            }
            catch (OutOfMemoryException)
            {
                // With the descriptor table full the runtime cannot start a thread (measured: it
                // throws this): serve on with the readers there are.
                _readers--;
                _live--;
                Interlocked.Decrement(ref _idle);
                _log.Warning("Cannot start another reader thread (descriptor table full?); serving with {Readers}", _readers);
                if (fd != _mount!.Fd)
                    Libc.Close(fd);
                return;
            }
            _threads.Add(t);
        }
    }

    private unsafe void ReaderLoop(int deviceFd)
    {
        Dispatcher d = _dispatcher!;
        byte[] request = GC.AllocateUninitializedArray<byte>(d.RequestBufferSize, pinned: true);
        byte[] reply = GC.AllocateUninitializedArray<byte>(d.ReplyBufferSize, pinned: true);
        // Parked requests answer through a reference-counted handle of this reader's descriptor
        // (the master's is a dup: same open file, same queue, but ours to close; close-on-exec,
        // or a tool the daemon runs would keep the connection alive after the daemon died).
        bool master = deviceFd == _mount!.Fd;
        int own = master ? Libc.Fcntl(deviceFd, Libc.F_DUPFD_CLOEXEC, 0) : deviceFd;
        var handle = own >= 0 ? new SafeFileHandle(own, ownsHandle: true) : new SafeFileHandle(deviceFd, ownsHandle: false);
        int fd = (int)handle.DangerousGetHandle();
        RequestContext ctx = d.CreateContext(new DeviceReplies(handle, _log));
        fixed (byte* req = request)
        fixed (byte* rep = reply)
        {
            while (!_stopping)
            {
                nint n = Libc.Read(fd, req, request.Length);
                if (n < 0)
                {
                    int err = Libc.LastErrno;
                    // EINTR: a signal; ENOENT: the request was interrupted before we read it; EAGAIN: spurious.
                    if (err is (int)Errno.EINTR or (int)Errno.ENOENT or (int)Errno.EAGAIN)
                        continue;
                    if (err != (int)Errno.ENODEV)
                        _log.Warning("Reading /dev/fuse failed: {Error}", Libc.Strerror(err));
                    break; // ENODEV: unmounted
                }
                if (Interlocked.Decrement(ref _idle) == 0 && Volatile.Read(ref _readers) < _options.MaxReaders)
                    TryStartClone();
                int len = d.Dispatch(new ReadOnlySpan<byte>(req, (int)n), new Span<byte>(rep, reply.Length), ctx);
                if (len > 0)
                {
                    nint w = Libc.Write(fd, rep, len);
                    if (w < 0)
                    {
                        int err = Libc.LastErrno;
                        if (err != (int)Errno.ENOENT) // ENOENT: the request was interrupted and is gone
                            _log.Warning("Writing a FUSE reply failed: {Error}", Libc.Strerror(err));
                    }
                }
                Interlocked.Increment(ref _idle);
                if (d.Destroyed)
                    break;
            }
        }
        handle.Dispose();
        bool last;
        lock (_gate)
            last = --_live == 0;
        if (last)
        {
            d.Parking.AbandonAll();
            _done.TrySetResult();
        }
    }

    /// <summary>Unmounts; readers stop once the kernel closes the connection.</summary>
    public void Unmount() => _mount?.Unmount();

    /// <summary>Unmounts and waits (briefly) for the readers; aborts the connection if they hang.</summary>
    public void Dispose()
    {
        if (_mount is null)
            return;
        _mount.Unmount();
        if (!_done.Task.Wait(TimeSpan.FromSeconds(3)))
        {
            _log.Warning("Readers still busy 3 s after unmount; aborting the FUSE connection");
            _mount.Abort();
            _done.Task.Wait(TimeSpan.FromSeconds(3));
        }
        _stopping = true;
        if (_done.Task.IsCompleted)
            _mount.Dispose();
    }
}
