using StorageFs.Interop;

namespace StorageFs.Backends.IscsiDirect;

/// <summary>
/// The sessions serving one LUN for every open of it (<see cref="IscsiLunStream"/>s), at most
/// <see cref="MaxSessions"/> at once: each command rents one, uses it alone (a libiscsi context
/// is not thread-safe) and gives it back, or discards it when it broke; a new one logs in when
/// none is idle. So the daemon's sockets for a LUN are bounded whatever number of processes
/// open it, and a dead target costs one timeout per command, never a hung thread. A command
/// that finds every session busy waits for one up to the timeout (ETIMEDOUT). Writes that do
/// not cover whole blocks read, merge and write their edge blocks under <see cref="EdgeGate"/>,
/// so two opens writing different bytes of one block never lose each other's. The capacity is
/// read once, by the first session. After a command timed out or a login failed, the LUN is
/// down for <see cref="DownTime"/>: commands fail at once with that error instead of each
/// waiting a timeout of its own (requests queued behind a silent target would otherwise hold
/// the tree's reader threads one timeout after another), as the kernel initiator fails I/O
/// fast once its replacement_timeout has passed. Thread-safe.
/// </summary>
internal sealed class IscsiLunSessions : IDisposable
{
    /// <summary>Sessions per LUN.</summary>
    public const int MaxSessions = 4;

    private readonly Lock _gate = new();
    private readonly Stack<IscsiSession> _idle = new();
    private readonly SemaphoreSlim _slots = new(MaxSessions, MaxSessions);
    private bool _disposed;
    private (DateTime Until, IOException Error)? _down;

    /// <summary>Logs in once and reads the LUN's capacity.</summary>
    /// <exception cref="IOException">The LUN cannot be reached (EIO, ETIMEDOUT).</exception>
    public IscsiLunSessions(IscsiLunAddress address, TimeSpan timeout)
    {
        Address = address;
        Timeout = timeout;
        var first = IscsiSession.Connect(address, timeout);
        try
        {
            (BlockSize, Blocks) = first.ReadCapacity();
        }
        catch
        {
            first.Dispose();
            throw;
        }
        _idle.Push(first);
    }

    public IscsiLunAddress Address { get; }

    public TimeSpan Timeout { get; }

    public int BlockSize { get; }

    public long Blocks { get; }

    /// <summary>The LUN's size in bytes.</summary>
    public long Length => BlockSize * Blocks;

    /// <summary>How long the LUN stays down after a timeout or a failed login: 5 s, or the
    /// timeout when shorter.</summary>
    public TimeSpan DownTime => Timeout < TimeSpan.FromSeconds(5) ? Timeout : TimeSpan.FromSeconds(5);

    /// <summary>Held while a write merges partial blocks.</summary>
    public Lock EdgeGate { get; } = new();

    /// <summary>A session for one caller's command; give it back with <see cref="Return"/>.</summary>
    /// <exception cref="IOException">No session free within the timeout (ETIMEDOUT), or a
    /// new one cannot log in.</exception>
    public IscsiSession Rent()
    {
        ThrowIfDown();
        if (!_slots.Wait(Timeout))
        {
            throw new IOException($"{Address}: all {MaxSessions} of its sessions stayed busy for {Timeout.TotalSeconds:0} s", (int)Errno.ETIMEDOUT);
        }
        try
        {
            ThrowIfDown();
            IscsiSession? session;
            lock (_gate)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                _idle.TryPop(out session);
            }
            if (session is not null)
            {
                session.Reused = true;
                return session;
            }
            try
            {
                return IscsiSession.Connect(Address, Timeout);
            }
            catch (IOException e)
            {
                MarkDown(e);
                throw;
            }
        }
        catch
        {
            _slots.Release();
            throw;
        }
    }

    private void MarkDown(IOException error)
    {
        lock (_gate)
        {
            _down = (DateTime.UtcNow + DownTime, error);
        }
    }

    private void ThrowIfDown()
    {
        IOException? error = null;
        lock (_gate)
        {
            if (_down is { } down)
            {
                if (DateTime.UtcNow < down.Until)
                {
                    error = down.Error;
                }
                else
                {
                    _down = null;
                }
            }
        }
        if (error is not null)
        {
            throw new IOException($"{error.Message} (the LUN is left alone for {DownTime.TotalSeconds:0} s after such a failure)", error.HResult);
        }
    }

    /// <summary>Takes back a session from <see cref="Rent"/>: kept for the next command unless it
    /// broke; when its command timed out (<paramref name="failure"/>) the LUN goes down.</summary>
    public void Return(IscsiSession session, IOException? failure = null)
    {
        if (session.TimedOut && failure is not null)
        {
            MarkDown(failure);
        }
        bool keep;
        lock (_gate)
        {
            keep = !_disposed && !session.Broken;
            if (keep)
            {
                _idle.Push(session);
            }
        }
        if (!keep)
        {
            session.Dispose();
        }
        _slots.Release();
    }

    /// <summary>Logs out of every idle session; a session in use is closed when it comes back.</summary>
    public void Dispose()
    {
        IscsiSession[] idle;
        lock (_gate)
        {
            _disposed = true;
            idle = [.. _idle];
            _idle.Clear();
        }
        foreach (var s in idle)
        {
            s.Dispose();
        }
    }
}
