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

    /// <summary>
    /// The transport serving requests after INIT: "io_uring" or "/dev/fuse", then in parentheses
    /// the queues, or why the rings are not used (valid after <see cref="Mount"/>).
    /// </summary>
    public string Transport { get; private set; } = "/dev/fuse";

    /// <summary>True while FUSE over io_uring carries the requests.</summary>
    public bool UringActive => _uring is { Going: true, Failure: null };

    /// <summary>Requests fetched from the rings so far (0 on /dev/fuse).</summary>
    public long UringRequests => _uring?.Served ?? 0;

    /// <summary>Requests dispatched so far, by opcode (index = opcode; 0 counts the unknown).</summary>
    public long[] RequestCounts() => Active.RequestCounts();

    private UringTransport? _uring;
    private string? _uringRefusal;

    /// <summary>
    /// The requests served so far, as one line: total, how many came by the rings, then each
    /// opcode seen with its count, most frequent first ("1234 requests, 1200 over io_uring:
    /// LOOKUP 600, GETATTR 300, …").
    /// </summary>
    public string DescribeRequests()
    {
        if (_dispatcher is null)
            return "0 requests";
        long[] counts = _dispatcher.RequestCounts();
        var seen = counts.Select((n, op) => (Op: op, N: n)).Where(c => c.N > 0).OrderByDescending(c => c.N).ThenBy(c => c.Op);
        string list = string.Join(", ", seen.Select(c => $"{(c.Op == 0 ? "OTHER" : OpcodeTable.Name((uint)c.Op))} {c.N}"));
        return $"{counts.Sum()} requests, {UringRequests} over io_uring" + (list.Length > 0 ? ": " + list : "");
    }

    /// <summary>
    /// What the connection holds now, for a hang's post-mortem (SIGUSR1 logs it after the
    /// counts): the parked requests and, over io_uring, each queue's entries, held entries,
    /// late replies not yet committed and pumps sent.
    /// </summary>
    public string DescribeState()
    {
        if (_dispatcher is null)
            return "not mounted";
        string state = $"{_dispatcher.Parking.Count} parked requests";
        return _uring is null ? state : $"{state}; {_uring.Describe()}";
    }

    /// <summary>Completes when every reader has stopped (the filesystem was unmounted).</summary>
    public Task Completion => _done.Task;

    private Dispatcher Active => _dispatcher ?? throw new InvalidOperationException("not mounted");

    /// <summary>Mounts and starts serving; returns once the kernel's INIT has been answered.</summary>
    public void Mount(string mountpoint, bool forceFusermount = false)
    {
        string? parameter = UringTransport.ParameterValue();
        if (_options.Uring == UringMode.On && parameter != "Y")
            throw new FuseMountException(parameter is null
                ? $"uring: on, but this kernel has no FUSE over io_uring ({UringTransport.EnableParameter} is missing)"
                : $"uring: on, but {UringTransport.EnableParameter} is {parameter} (root may write Y to it)");
        _mount = FuseMount.Create(mountpoint, _options, _logger, forceFusermount);
        _dispatcher = new Dispatcher(_root, _options, new DeviceChannel(_mount.Fd), _logger);
        if (_options.Uring != UringMode.Off)
            _dispatcher.UringOffer = OfferUring;
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
        StartTransport(parameter);
    }

    /// <summary>During INIT, on the reader thread: create the rings; true to accept FUSE_OVER_IO_URING.</summary>
    private bool OfferUring()
    {
        var uring = new UringTransport(_logger.ForContext<UringTransport>());
        int payload = Math.Max(Math.Max(Wire.MinReadBuffer, _options.MaxWrite), (_options.MaxWrite + 4095) & ~4095);
        string? refusal = uring.TryCreate(_dispatcher!, _mount!.Fd, _mount.Mountpoint, Math.Max(1, _options.UringEntriesPerQueue), payload);
        if (refusal is not null)
        {
            _uringRefusal = refusal;
            return false;
        }
        _uring = uring;
        return true;
    }

    private void StartTransport(string? parameter)
    {
        Dispatcher d = _dispatcher!;
        if (d.UringGranted && _uring is not null)
        {
            _uring.Go();
            Transport = $"io_uring ({_uring.QueueCount} queues, {_options.UringEntriesPerQueue} entries each, {_uring.SetupFlags})";
        }
        else
        {
            string why = _options.Uring == UringMode.Off ? "uring: off"
                : _uringRefusal is not null ? _uringRefusal
                : d.UringOffered ? "FUSE_OVER_IO_URING not accepted"
                : parameter is null ? "this kernel has no FUSE over io_uring"
                : parameter != "Y" ? $"{UringTransport.EnableParameter} is {parameter}"
                : "the kernel did not offer FUSE_OVER_IO_URING";
            Transport = $"/dev/fuse ({why})";
            if (_options.Uring == UringMode.On)
                _log.Warning("uring: on, but FUSE over io_uring is not in use: {Why}", why);
        }
        _log.Information("FUSE transport: {Transport}", Transport);
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
            _uring?.Stop();
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
        if (_dispatcher is not null)
            _log.Information("FUSE requests served: {Requests}", DescribeRequests());
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
