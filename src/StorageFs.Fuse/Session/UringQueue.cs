using System.Collections.Concurrent;
using Serilog;
using StorageFs.Fuse.Protocol;

namespace StorageFs.Fuse.Session;

/// <summary>
/// One FUSE ring queue (fs/fuse/dev_uring.c): an io_uring instance, its thread and its entries.
/// The kernel keeps one queue per possible CPU and puts a request on the queue of the CPU its
/// caller runs on; the ring becomes the connection's transport once every queue has an entry
/// registered (is_ring_ready). The thread, pinned to its CPU, owns the ring
/// (IORING_SETUP_SINGLE_ISSUER, DEFER_TASKRUN: completions run only when it waits): it
/// registers the entries, then loops — wait, handle each fetched request inline with the
/// engine's dispatcher, write the reply into the entry and submit COMMIT_AND_FETCH, which
/// answers and re-arms the entry in one call. Late replies of parked requests come from other
/// threads through <see cref="CommitLate"/>: queued, and an eventfd read on the ring wakes the
/// thread to commit them.
/// </summary>
internal sealed unsafe class UringQueue
{
    private const ulong EventTag = ulong.MaxValue;
    private const ulong TimerTag = ulong.MaxValue - 1;
    private const uint SqSize = 128;

    /// <summary>Entries a queue may register: the base set plus one per request parked on it.</summary>
    public const int MaxEntries = 4096;

    private readonly UringTransport _transport;
    private readonly Dispatcher _d;
    private readonly int _deviceFd;
    private readonly int _baseEntries;
    private readonly int _payloadCapacity;
    private readonly List<UringEntry> _entries = [];
    private readonly ConcurrentQueue<UringEntry> _late = new();
    private readonly ManualResetEventSlim _setupDone = new();
    private readonly Thread _thread;
    private readonly SemaphoreSlim _pump = new(0);
    private int _pumpThreads;
    private int _pumpIdle;
    private bool _timerArmed;
    private int _unpumped;
    private long _lastPump;
    private IoUring.KernelTimespec* _timeout;
    private readonly string _mountpoint;
    private int _pumpsDue;
    private int _ringFd = -1;
    private int _eventFd = -1;
    private byte* _sqRing;
    private byte* _cqRing;
    private nuint _sqRingSize;
    private nuint _cqRingSize;
    private byte* _sqes;
    private nuint _sqesSize;
    private uint* _sqHead;
    private uint* _sqTail;
    private uint* _sqArray;
    private uint _sqMask;
    private uint _sqEntries;
    private uint* _cqHead;
    private uint* _cqTail;
    private uint _cqMask;
    private IoUring.Cqe* _cqes;
    private uint _pending;
    private ulong* _eventValue;
    private int _held;
    private int _heldShared;
    private int _dead;
    private bool _growWarned;
    private volatile bool _stopping;
    private long _served;

    public UringQueue(UringTransport transport, Dispatcher d, int qid, int deviceFd, int baseEntries, int payloadCapacity, string mountpoint, ILogger log)
    {
        _mountpoint = mountpoint;
        _transport = transport;
        _d = d;
        Qid = qid;
        _deviceFd = deviceFd;
        _baseEntries = baseEntries;
        _payloadCapacity = payloadCapacity;
        Log = log;
        _thread = new Thread(Run) { IsBackground = true, Name = $"fuse-uring-{qid}" };
    }

    public int Qid { get; }

    public ILogger Log { get; }

    /// <summary>0 once the ring is set up, else the errno that refused it (valid after <see cref="WaitSetup"/>).</summary>
    public int SetupError { get; private set; } = -1;

    public string? SetupFlags { get; private set; }

    /// <summary>Requests fetched and dispatched from this ring.</summary>
    public long Served => Interlocked.Read(ref _served);

    public int EntryCount => Volatile.Read(ref _entryCount);

    /// <summary>What the queue holds now, for the state line of SIGUSR1 (any thread; the
    /// figures are read without the ring thread's help, so they may be a moment apart).</summary>
    public string Describe() =>
        $"queue {Qid}: {EntryCount} entries, {Volatile.Read(ref _heldShared)} held by parked requests, " +
        $"{Volatile.Read(ref _deadShared)} torn down, {_late.Count} late replies to commit, {Served} served, " +
        $"{Volatile.Read(ref _pumpsSent)} pumps sent by {Volatile.Read(ref _pumpThreads)} pump threads ({Volatile.Read(ref _pumpIdle)} free)";

    private int _deadShared;
    private long _pumpsSent;

    private int _entryCount;

    public void Start()
    {
        _thread.Start();
    }

    public bool WaitSetup(TimeSpan timeout) => _setupDone.Wait(timeout);

    /// <summary>Asks the thread to stop and waits for it (briefly).</summary>
    public void Stop(TimeSpan wait)
    {
        _stopping = true;
        _pump.Release(Math.Max(1, Volatile.Read(ref _pumpThreads)));
        Wake();
        if (Thread.CurrentThread != _thread && _thread.IsAlive)
            _thread.Join(wait);
    }

    /// <summary>A parked request's entry is ready to commit (any thread).</summary>
    public void CommitLate(UringEntry entry)
    {
        _late.Enqueue(entry);
        Wake();
    }

    private void Wake()
    {
        int fd = Volatile.Read(ref _eventFd);
        if (fd < 0)
            return;
        ulong one = 1;
        Libc.Write(fd, (byte*)&one, sizeof(ulong));
    }

    private void Run()
    {
        IoUring.PinToCpu(Qid);
        SetupError = Setup();
        _setupDone.Set();
        if (SetupError != 0)
            return;
        try
        {
            _transport.WaitGo();
            if (!_stopping && _transport.Going)
                Serve();
        }
        catch (Exception e)
        {
            Log.Error(e, "FUSE ring queue {Qid} failed", Qid);
            _transport.QueueFailed(this, e.Message);
        }
        finally
        {
            Teardown();
        }
    }

    private int Setup()
    {
        var p = new IoUring.Params
        {
            Flags = IoUring.SetupSqe128 | IoUring.SetupCqSize | IoUring.SetupSingleIssuer | IoUring.SetupDeferTaskrun,
            CqEntries = MaxEntries * 2,
        };
        int fd = IoUring.Setup(SqSize, &p);
        if (fd < 0 && Libc.LastErrno == (int)Errno.EINVAL)
        {
            // Kernels before 6.1 have no DEFER_TASKRUN: the ring works without it.
            p = new IoUring.Params { Flags = IoUring.SetupSqe128 | IoUring.SetupCqSize, CqEntries = MaxEntries * 2 };
            fd = IoUring.Setup(SqSize, &p);
        }
        if (fd < 0)
            return Libc.LastErrno;
        _ringFd = fd;
        SetupFlags = (p.Flags & IoUring.SetupDeferTaskrun) != 0 ? "single issuer, deferred task work" : "plain";
        _sqRingSize = p.SqOff.Array + p.SqEntries * sizeof(uint);
        _cqRingSize = p.CqOff.Cqes + p.CqEntries * (uint)IoUring.CqeSize;
        bool single = (p.Features & IoUring.FeatSingleMmap) != 0;
        if (single)
            _sqRingSize = _cqRingSize = Math.Max(_sqRingSize, _cqRingSize);
        _sqRing = (byte*)IoUring.Mmap(null, _sqRingSize, IoUring.PROT_READ | IoUring.PROT_WRITE, IoUring.MAP_SHARED | IoUring.MAP_POPULATE, fd, IoUring.OffSqRing);
        if (_sqRing == IoUring.MapFailed)
            return Fail();
        if (single)
        {
            _cqRing = _sqRing;
        }
        else
        {
            _cqRing = (byte*)IoUring.Mmap(null, _cqRingSize, IoUring.PROT_READ | IoUring.PROT_WRITE, IoUring.MAP_SHARED | IoUring.MAP_POPULATE, fd, IoUring.OffCqRing);
            if (_cqRing == IoUring.MapFailed)
                return Fail();
        }
        _sqesSize = p.SqEntries * (nuint)IoUring.Sqe128Size;
        _sqes = (byte*)IoUring.Mmap(null, _sqesSize, IoUring.PROT_READ | IoUring.PROT_WRITE, IoUring.MAP_SHARED | IoUring.MAP_POPULATE, fd, IoUring.OffSqes);
        if (_sqes == IoUring.MapFailed)
            return Fail();
        _sqHead = (uint*)(_sqRing + p.SqOff.Head);
        _sqTail = (uint*)(_sqRing + p.SqOff.Tail);
        _sqMask = *(uint*)(_sqRing + p.SqOff.RingMask);
        _sqEntries = *(uint*)(_sqRing + p.SqOff.RingEntries);
        _sqArray = (uint*)(_sqRing + p.SqOff.Array);
        _cqHead = (uint*)(_cqRing + p.CqOff.Head);
        _cqTail = (uint*)(_cqRing + p.CqOff.Tail);
        _cqMask = *(uint*)(_cqRing + p.CqOff.RingMask);
        _cqes = (IoUring.Cqe*)(_cqRing + p.CqOff.Cqes);
        for (uint i = 0; i < _sqEntries; i++)
            _sqArray[i] = i;
        int efd = IoUring.Eventfd(0, IoUring.EFD_CLOEXEC);
        if (efd < 0)
            return Fail();
        _eventValue = (ulong*)NativeMemory.Alloc(sizeof(ulong));
        Volatile.Write(ref _eventFd, efd);
        return 0;
    }

    private int Fail()
    {
        int err = Libc.LastErrno;
        return err == 0 ? (int)Errno.ENOMEM : err;
    }

    private void Serve()
    {
        for (int i = 0; i < _baseEntries; i++)
            AddEntry();
        ArmEvent();
        byte[] reply = GC.AllocateUninitializedArray<byte>(_d.ReplyBufferSize, pinned: true);
        fixed (byte* rep = reply)
        {
            var replySpan = new Span<byte>(rep, reply.Length);
            while (!_stopping)
            {
                if (_pumpsDue > 0)
                    ReleasePumps();
                int r = IoUring.Enter(_ringFd, _pending, 1, IoUring.EnterGetEvents);
                if (r < 0)
                {
                    int err = Libc.LastErrno;
                    if (err is (int)Errno.EINTR or (int)Errno.EAGAIN or (int)Errno.EBUSY)
                        continue;
                    Log.Warning("io_uring_enter on FUSE ring queue {Qid} failed: {Error}", Qid, Libc.Strerror(err));
                    _transport.QueueFailed(this, Libc.Strerror(err));
                    return;
                }
                _pending -= (uint)Math.Min(r, (int)_pending);
                uint head = *_cqHead;
                uint tail = Volatile.Read(ref *_cqTail);
                while (head != tail && !_stopping)
                {
                    IoUring.Cqe cqe = _cqes[head & _cqMask];
                    head++;
                    Volatile.Write(ref *_cqHead, head);
                    Complete(cqe, replySpan);
                    tail = Volatile.Read(ref *_cqTail);
                }
                if (_dead > 0 && _dead == _entries.Count)
                    return; // every entry torn down: the connection is gone or refused the ring
            }
        }
    }

    private void Complete(IoUring.Cqe cqe, Span<byte> reply)
    {
        if (cqe.UserData == TimerTag)
        {
            _timerArmed = false;
            if (!_stopping)
                PumpTimer();
            return;
        }
        if (cqe.UserData == EventTag)
        {
            while (_late.TryDequeue(out UringEntry? late))
            {
                if (late.Held)
                {
                    late.Held = false;
                    _held--;
                    Volatile.Write(ref _heldShared, _held);
                    if (!late.Pumped)
                        _unpumped--; // this commit fetches the next waiting request itself
                }
                Submit(late, Wire.UringCmdCommitAndFetch, late.CommitId);
            }
            if (!_stopping)
                ArmEvent();
            return;
        }
        UringEntry entry = _entries[(int)cqe.UserData];
        if (cqe.Res < 0)
        {
            if (entry.Registering && cqe.Res == -(int)Errno.EAGAIN && entry.RegisterTries++ < 200)
            {
                // The kernel has not processed our INIT reply yet (fuse_uring_cmd: !fc->initialized).
                Thread.Sleep(5);
                Submit(entry, Wire.UringCmdRegister, 0);
                return;
            }
            entry.Dead = true;
            _dead++;
            Volatile.Write(ref _deadShared, _dead);
            if (cqe.Res is not (-(int)Errno.ENOTCONN or -(int)Errno.ECANCELED))
            {
                string why = Libc.Strerror(-cqe.Res);
                Log.Warning("FUSE ring queue {Qid}: {Command} refused: {Error}", Qid, entry.Registering ? "REGISTER" : "COMMIT_AND_FETCH", why);
                if (entry.Registering)
                    _transport.QueueFailed(this, $"REGISTER refused: {why}");
                else if (!_stopping)
                    Grow(); // a lost entry is replaced, so the queue keeps its base number
            }
            return;
        }
        entry.Registering = false;
        Serve(entry, reply);
    }

    private void Serve(UringEntry entry, Span<byte> reply)
    {
        entry.CommitId = entry.RingInOut.CommitId;
        Interlocked.Increment(ref _served);
        if (!entry.AssembleRequest(out ReadOnlySpan<byte> request))
        {
            var h = *(Wire.FuseInHeader*)entry.Mapping;
            Log.Warning("FUSE ring queue {Qid}: request {Unique} with inconsistent sizes (len {Len}, payload {Payload}); answering EIO",
                Qid, entry.CommitId, h.Len, entry.RingInOut.PayloadSz);
            entry.SetError(Errno.EIO);
            Submit(entry, Wire.UringCmdCommitAndFetch, entry.CommitId);
            return;
        }
        int len = _d.Dispatch(request, reply, entry.Context!, out bool parked);
        if (parked)
        {
            // Held until its late reply; keep the base number of entries free for everyone else,
            // and make up for the commit this entry will not make now (see Pump).
            entry.Held = true;
            _held++;
            Volatile.Write(ref _heldShared, _held);
            if (_entries.Count - _held < _baseEntries)
                Grow();
            entry.HeldSince = Environment.TickCount64;
            entry.Pumped = false;
            _unpumped++;
            if (!_timerArmed)
                ArmTimer(PumpDelayMs);
            return;
        }
        if (len == 0)
            entry.SetError(Errno.EIO); // a no-reply opcode never comes by the ring; the kernel still waits for a commit
        else
            entry.SetReply(reply[..len]);
        Submit(entry, Wire.UringCmdCommitAndFetch, entry.CommitId);
    }

    /// <summary>
    /// A park owes the queue a commit: requests that arrive while every entry of a queue is
    /// busy wait in the kernel's queue, and only a COMMIT_AND_FETCH takes them from there
    /// (fuse_uring_next_fuse_req); a newly registered entry does not
    /// (fuse_uring_do_register), and a parked entry commits only at its late reply. A late
    /// reply that comes soon (an rbd read answered from librbd's callback) pays the debt
    /// itself; one that waits on another request (a lock held until a RELEASE that may be the
    /// very request waiting in the kernel's queue) would hang the queue. So an entry still held
    /// after <see cref="PumpDelayMs"/> gets a pump: a STATFS of the mount from a thread on this
    /// queue's CPU takes a free entry, and its commit fetches the request waiting longest, if
    /// any. While entries are held, one more pump goes every <see cref="PumpPeriodMs"/>, in case
    /// a burst queued in the kernel still found every entry busy. The ring's own timeout
    /// (IORING_OP_TIMEOUT) wakes this thread for both, so the ages are exact and no timer
    /// thread is involved.
    /// </summary>
    private void PumpTimer()
    {
        long now = Environment.TickCount64;
        int due = 0;
        if (_unpumped > 0)
        {
            foreach (UringEntry e in _entries)
            {
                if (e.Held && !e.Pumped && now - e.HeldSince >= PumpDelayMs)
                {
                    e.Pumped = true;
                    _unpumped--;
                    due++;
                }
            }
        }
        if (due == 0 && _held > 0 && now - _lastPump >= PumpPeriodMs)
            due = 1;
        if (due > 0)
        {
            _lastPump = now;
            _pumpsDue += due;
        }
        if (_unpumped > 0)
            ArmTimer(PumpDelayMs);
        else if (_held > 0)
            ArmTimer(PumpPeriodMs);
    }

    private void ArmTimer(int milliseconds)
    {
        if (_timeout is null)
            _timeout = (IoUring.KernelTimespec*)NativeMemory.AllocZeroed((nuint)sizeof(IoUring.KernelTimespec));
        _timeout->Seconds = milliseconds / 1000;
        _timeout->Nanoseconds = milliseconds % 1000 * 1_000_000L;
        var s = (IoUring.Sqe*)NextSqe();
        s->Opcode = IoUring.OpTimeout;
        s->Fd = -1;
        s->Addr = (ulong)_timeout;
        s->Len = 1;
        s->Off = 0; // a pure timeout: no completion count
        s->UserData = TimerTag;
        Push();
        _timerArmed = true;
    }

    /// <summary>Submits what is pending (the new entries' REGISTERs among it), then hands the pumps due to the pump threads.</summary>
    private void ReleasePumps()
    {
        int r = IoUring.Enter(_ringFd, _pending, 0, 0);
        if (r > 0)
            _pending -= (uint)Math.Min(r, (int)_pending);
        Interlocked.Add(ref _pumpsWanted, _pumpsDue);
        _pumpsDue = 0;
        Pump();
    }

    /// <summary>How long a parked entry waits for its own late commit before it gets a pump.</summary>
    private const int PumpDelayMs = 10;

    /// <summary>One pump every this often while entries are held.</summary>
    private const int PumpPeriodMs = 200;

    /// <summary>Pump threads a queue may run: each blocks while its STATFS waits in the kernel's queue.</summary>
    internal const int MaxPumpThreads = 64;

    /// <summary>How long a pump thread beyond the first stays without work before it ends.</summary>
    private const int PumpThreadIdleMs = 10_000;

    /// <summary>Pumps handed to the pump threads and not yet sent.</summary>
    private int _pumpsWanted;

    private bool TakeWantedPump()
    {
        int v;
        do
        {
            v = Volatile.Read(ref _pumpsWanted);
            if (v <= 0)
                return false;
        }
        while (Interlocked.CompareExchange(ref _pumpsWanted, v - 1, v) != v);
        return true;
    }

    /// <summary>
    /// Wakes a pump thread, starting one when none is free. A pump's own STATFS can find every
    /// entry busy too and wait in the kernel's queue like the rest (a hang seen in CI when the
    /// queue had a single pump thread: blocked there, it sent no further pump, while the
    /// entries registered since sat free and fetched nothing). So a blocked pump never stops
    /// the next one: another thread sends it.
    /// </summary>
    private void Pump()
    {
        if (_stopping || Volatile.Read(ref _pumpsWanted) == 0)
            return;
        _pump.Release();
        if (Volatile.Read(ref _pumpIdle) > 0)
            return;
        if (Interlocked.Increment(ref _pumpThreads) > MaxPumpThreads)
        {
            Interlocked.Decrement(ref _pumpThreads);
            return;
        }
        Interlocked.Increment(ref _pumpIdle);
        new Thread(PumpLoop, 256 * 1024) { IsBackground = true, Name = $"fuse-uring-pump-{Qid}" }.Start();
    }

    private void PumpLoop()
    {
        IoUring.PinToCpu(Qid);
        while (true)
        {
            if (!_pump.Wait(PumpThreadIdleMs))
            {
                // No work for a while: the threads a burst of blocked pumps needed are not kept.
                if (Volatile.Read(ref _pumpThreads) > 1)
                {
                    Interlocked.Decrement(ref _pumpIdle);
                    Interlocked.Decrement(ref _pumpThreads);
                    return;
                }
                continue;
            }
            if (_stopping)
                return;
            while (!_stopping && TakeWantedPump())
            {
                // Busy only while the STATFS is out: a thread that waits there is not free.
                Interlocked.Decrement(ref _pumpIdle);
                Interlocked.Increment(ref _pumpsSent);
                int err = Libc.Statfs(_mountpoint);
                Interlocked.Increment(ref _pumpIdle);
                if (err != 0 && !_stopping)
                    Log.Debug("FUSE ring queue {Qid}: the pump's statfs failed: {Error}", Qid, Libc.Strerror(err));
            }
        }
    }

    private void Grow()
    {
        if (_entries.Count >= MaxEntries)
        {
            if (!_growWarned)
                Log.Warning("FUSE ring queue {Qid}: {Held} entries held by parked requests, the most a queue registers; further requests on this CPU wait for one", Qid, _held);
            _growWarned = true;
            return;
        }
        AddEntry();
    }

    private void AddEntry()
    {
        UringEntry? entry = UringEntry.Map(this, _entries.Count, _payloadCapacity);
        if (entry is null)
        {
            Log.Warning("FUSE ring queue {Qid}: cannot map an entry: {Error}", Qid, Libc.Strerror(Libc.LastErrno));
            return;
        }
        entry.Registering = true;
        entry.Context = _d.CreateContext(entry);
        _entries.Add(entry);
        Volatile.Write(ref _entryCount, _entries.Count);
        Submit(entry, Wire.UringCmdRegister, 0);
    }

    private byte* NextSqe()
    {
        uint tail = *_sqTail;
        while (tail - Volatile.Read(ref *_sqHead) >= _sqEntries)
        {
            int r = IoUring.Enter(_ringFd, _pending, 0, 0);
            if (r > 0)
                _pending -= (uint)Math.Min(r, (int)_pending);
            else if (r < 0 && Libc.LastErrno is not ((int)Errno.EINTR or (int)Errno.EAGAIN or (int)Errno.EBUSY))
                throw new IOException($"io_uring_enter: {Libc.Strerror(Libc.LastErrno)}");
        }
        byte* sqe = _sqes + (tail & _sqMask) * IoUring.Sqe128Size;
        new Span<byte>(sqe, IoUring.Sqe128Size).Clear();
        return sqe;
    }

    private void Push()
    {
        Volatile.Write(ref *_sqTail, *_sqTail + 1);
        _pending++;
    }

    private void Submit(UringEntry entry, uint command, ulong commitId)
    {
        byte* sqe = NextSqe();
        var s = (IoUring.Sqe*)sqe;
        s->Opcode = IoUring.OpUringCmd;
        s->Fd = _deviceFd;
        s->Off = command; // cmd_op
        s->Addr = (ulong)entry.Iov;
        s->Len = 2;
        s->UserData = (ulong)entry.Index;
        var cmd = (Wire.FuseUringCmdReq*)(sqe + IoUring.SqeCmdOffset);
        cmd->CommitId = commitId;
        cmd->Qid = (ushort)Qid;
        Push();
    }

    private void ArmEvent()
    {
        var s = (IoUring.Sqe*)NextSqe();
        s->Opcode = IoUring.OpRead;
        s->Fd = _eventFd;
        s->Off = ulong.MaxValue; // the file's own position (an eventfd has none)
        s->Addr = (ulong)_eventValue;
        s->Len = sizeof(ulong);
        s->UserData = EventTag;
        Push();
    }

    private void Teardown()
    {
        // Closing the ring cancels its commands (fuse_uring_cancel); the kernel keeps no pointer
        // into an entry after that, and a connection that is gone tore its entries down already.
        int efd = Interlocked.Exchange(ref _eventFd, -1);
        if (_ringFd >= 0)
            Libc.Close(_ringFd);
        _ringFd = -1;
        if (_sqes is not null && _sqes != IoUring.MapFailed)
            IoUring.Munmap(_sqes, _sqesSize);
        if (_cqRing is not null && _cqRing != IoUring.MapFailed && _cqRing != _sqRing)
            IoUring.Munmap(_cqRing, _cqRingSize);
        if (_sqRing is not null && _sqRing != IoUring.MapFailed)
            IoUring.Munmap(_sqRing, _sqRingSize);
        _sqes = _sqRing = _cqRing = null;
        if (efd >= 0)
            Libc.Close(efd);
        if (_eventValue is not null)
            NativeMemory.Free(_eventValue);
        _eventValue = null;
        if (_timeout is not null)
            NativeMemory.Free(_timeout);
        _timeout = null;
        // Entries held by parked requests stay mapped: a late reply may still write into one
        // (it is dropped by the kernel, which no longer knows the ring).
        foreach (UringEntry e in _entries)
        {
            if (!e.Held)
                e.Unmap();
        }
    }
}
