using Serilog;
using StorageFs.Fuse.Protocol;

namespace StorageFs.Fuse.Session;

/// <summary>
/// FUSE over io_uring for one connection: a <see cref="UringQueue"/> per possible CPU. Life
/// cycle, from the kernel's rules (fs/fuse/dev_uring.c, inode.c process_init_reply, dev.c
/// fuse_block_alloc): the rings are created while INIT is handled, and FUSE_OVER_IO_URING is
/// asked for only if every one was; once the kernel accepts it, new requests wait until every
/// queue has an entry registered, so the queues register right after the INIT reply. INIT,
/// FORGET, INTERRUPT and notifications stay on /dev/fuse (fuse_io_uring_ops sends forgets and
/// interrupts there), so the device readers keep running. A refused REGISTER makes the kernel
/// drop io_uring for the connection (fc->io_uring = 0) and serve through /dev/fuse.
/// </summary>
internal sealed class UringTransport
{
    /// <summary>Module parameter that lets the kernel offer FUSE_OVER_IO_URING (root may write Y).</summary>
    public const string EnableParameter = "/sys/module/fuse/parameters/enable_uring";

    private readonly List<UringQueue> _queues = [];
    private readonly ManualResetEventSlim _go = new();
    private readonly ILogger _log;
    private string? _failure;

    public UringTransport(ILogger log) => _log = log;

    public int QueueCount => _queues.Count;

    public bool Going { get; private set; }

    /// <summary>Why the ring stopped serving, if it did (a refused REGISTER, a failed wait).</summary>
    public string? Failure => Volatile.Read(ref _failure);

    public long Served => _queues.Sum(q => q.Served);

    public int Entries => _queues.Sum(q => q.EntryCount);

    /// <summary>One line per queue (<see cref="UringQueue.Describe"/>).</summary>
    public string Describe() => string.Join("; ", _queues.Select(q => q.Describe()));

    public string SetupFlags => _queues.Count > 0 ? _queues[0].SetupFlags ?? "" : "";

    /// <summary>What the module parameter says: "Y", "N", or null when the kernel has no FUSE io_uring.</summary>
    public static string? ParameterValue()
    {
        try
        {
            return File.ReadAllText(EnableParameter).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// Creates one ring per possible CPU (their threads wait for <see cref="Go"/>). Returns null
    /// when all were created, else why not (and nothing is left running).
    /// </summary>
    public string? TryCreate(Dispatcher d, int deviceFd, string mountpoint, int entriesPerQueue, int payloadCapacity)
    {
        int cpus = IoUring.PossibleCpus();
        for (int q = 0; q < cpus; q++)
        {
            var queue = new UringQueue(this, d, q, deviceFd, entriesPerQueue, payloadCapacity, mountpoint, _log);
            _queues.Add(queue);
            queue.Start();
        }
        foreach (var queue in _queues)
        {
            if (!queue.WaitSetup(TimeSpan.FromSeconds(5)))
            {
                Stop();
                return $"ring queue {queue.Qid} was not set up within 5 s";
            }
            if (queue.SetupError != 0)
            {
                int err = queue.SetupError;
                Stop();
                return $"io_uring_setup failed: {Libc.Strerror(err)}" +
                    (err == (int)Errno.EPERM ? " (kernel.io_uring_disabled?)" : "");
            }
        }
        return null;
    }

    /// <summary>After the INIT reply: the queues register their entries and serve.</summary>
    public void Go()
    {
        Going = true;
        _go.Set();
    }

    internal void WaitGo() => _go.Wait();

    internal void QueueFailed(UringQueue queue, string why)
    {
        if (Interlocked.CompareExchange(ref _failure, $"queue {queue.Qid}: {why}", null) is null)
            _log.Warning("FUSE over io_uring stopped ({Why}); the kernel serves this connection through /dev/fuse", _failure);
    }

    /// <summary>Stops every queue thread (the connection is gone, or the rings were not wanted).</summary>
    public void Stop()
    {
        _go.Set();
        foreach (var queue in _queues)
            queue.Stop(TimeSpan.FromSeconds(3));
    }
}
