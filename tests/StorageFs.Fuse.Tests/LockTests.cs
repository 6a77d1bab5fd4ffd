using System.Diagnostics;
using StorageFs.Interop;

namespace StorageFs.Fuse.Tests;

/// <summary>
/// GETLK/SETLK/SETLKW on raw bytes, kept on the host file: owners through the mount conflict with
/// each other and with a lock on the host file; FLUSH drops a process's POSIX locks, RELEASE an
/// open file's OFD and flock locks; a blocked SETLKW is parked, granted later, or EINTR.
/// </summary>
public sealed class LockTests : IDisposable
{
    private const ulong OwnerA = 0xA1, OwnerB = 0xB2, OffsetMax = long.MaxValue;
    private readonly string _dir = Directory.CreateTempSubdirectory("storagefs-locks-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private (Harness H, ulong Node, string Path) Setup(FileLocks? kind = null)
    {
        var h = new Harness();
        string path = Path.Combine(_dir, "f");
        File.WriteAllBytes(path, new byte[4096]);
        h.Root.Children["f"] = new TestFile([]) { BackingPath = kind is null ? path : null };
        return (h, h.Lookup(1, "f").NodeId, path);
    }

    private static byte[] Lk(Opcode op, ulong node, ulong fh, ulong owner, short type, ulong start = 0, ulong end = OffsetMax, bool flock = false) =>
        Req.Make(op, node, Req.Bytes(new Wire.FuseLkIn
        {
            Fh = fh,
            Owner = owner,
            Lk = new Wire.FuseFileLock { Start = start, End = end, Type = (uint)type, Pid = 4242 },
            LkFlags = flock ? Wire.LkFlock : 0,
        }));

    private static ulong UniqueOf(byte[] request) => MemoryMarshal.Read<Wire.FuseInHeader>(request).Unique;

    /// <summary>Runs python3 on the host path: prints "locked" or "busy" for a non-blocking F_SETLK of the whole file.</summary>
    private static string HostTryLock(string path, string how = "lockf") =>
        Run("python3", "-c", how == "flock"
            ? "import fcntl,sys\nf=open(sys.argv[1],'r+')\ntry:\n fcntl.flock(f,fcntl.LOCK_EX|fcntl.LOCK_NB);print('locked')\nexcept OSError:\n print('busy')"
            : "import fcntl,sys\nf=open(sys.argv[1],'r+')\ntry:\n fcntl.lockf(f,fcntl.LOCK_EX|fcntl.LOCK_NB);print('locked')\nexcept OSError:\n print('busy')", path);

    private static string Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        string output = p.StandardOutput.ReadToEnd().Trim();
        p.WaitForExit();
        return output;
    }

    [Fact]
    public void APosixLockThroughTheMount_ConflictsWithAnotherOwner_AndWithTheHostFile_UntilTheOwnersFlush()
    {
        var (h, id, path) = Setup();
        ulong fh1 = h.Open(id), fh2 = h.Open(id);
        Assert.Equal(0, h.Send(Lk(Opcode.Setlk, id, fh1, OwnerA, Libc.F_WRLCK, 0, 99)).Error);
        Assert.Equal(-(int)Errno.EAGAIN, h.Send(Lk(Opcode.Setlk, id, fh2, OwnerB, Libc.F_RDLCK, 50, 60)).Error);
        Assert.Equal(0, h.Send(Lk(Opcode.Setlk, id, fh2, OwnerB, Libc.F_WRLCK, 100, 199)).Error); // no overlap
        Assert.Equal(0, h.Send(Lk(Opcode.Setlk, id, fh1, OwnerA, Libc.F_WRLCK, 10, 20)).Error);   // its own lock
        Assert.Equal("busy", HostTryLock(path));

        var conflict = h.Send(Lk(Opcode.Getlk, id, fh2, OwnerB, Libc.F_WRLCK, 0, OffsetMax)).As<Wire.FuseLkOut>().Lk;
        Assert.Equal(((uint)Libc.F_WRLCK, 0UL, 99UL), (conflict.Type, conflict.Start, conflict.End));
        Assert.Equal((uint)Libc.F_UNLCK, h.Send(Lk(Opcode.Getlk, id, fh1, OwnerA, Libc.F_WRLCK, 0, 99)).As<Wire.FuseLkOut>().Lk.Type);

        // close(2) by process A: FLUSH with its owner drops A's locks, B's stay.
        Assert.Equal(0, h.Send(Req.Make(Opcode.Flush, id, Req.Bytes(new Wire.FuseFlushIn { Fh = fh1, LockOwner = OwnerA }))).Error);
        Assert.Equal(0, h.Send(Lk(Opcode.Setlk, id, fh2, OwnerB, Libc.F_RDLCK, 50, 60)).Error);
        Assert.Equal("busy", HostTryLock(path)); // B holds 50-60 and 100-199
        Assert.Equal(0, h.Send(Req.Make(Opcode.Flush, id, Req.Bytes(new Wire.FuseFlushIn { Fh = fh2, LockOwner = OwnerB }))).Error);
        Assert.Equal("locked", HostTryLock(path));
        Assert.Equal(0, h.Dispatcher.Locks.OwnerCount);
    }

    [Fact]
    public void ALockOnTheHostFile_IsSeenThroughTheMount_ByGetlkAndSetlk()
    {
        var (h, id, path) = Setup();
        ulong fh = h.Open(id);
        using var holder = Process.Start(new ProcessStartInfo("python3")
        {
            ArgumentList = { "-c", "import fcntl,sys,time\nf=open(sys.argv[1],'r+')\nfcntl.lockf(f,fcntl.LOCK_EX,10,5)\nprint('held',flush=True)\ntime.sleep(30)", path },
            RedirectStandardOutput = true,
        })!;
        try
        {
            Assert.Equal("held", holder.StandardOutput.ReadLine());
            Assert.Equal(-(int)Errno.EAGAIN, h.Send(Lk(Opcode.Setlk, id, fh, OwnerA, Libc.F_RDLCK, 0, OffsetMax)).Error);
            var c = h.Send(Lk(Opcode.Getlk, id, fh, OwnerA, Libc.F_RDLCK, 0, OffsetMax)).As<Wire.FuseLkOut>().Lk;
            Assert.Equal(((uint)Libc.F_WRLCK, 5UL, 14UL, (uint)holder.Id), (c.Type, c.Start, c.End, c.Pid));
        }
        finally
        {
            holder.Kill();
            holder.WaitForExit();
        }
        Assert.Equal(0, h.Send(Lk(Opcode.Setlk, id, fh, OwnerA, Libc.F_RDLCK, 0, OffsetMax)).Error);
    }

    [Fact]
    public void AnOfdOrFlockOwner_KeepsItsLocksAcrossFlush_AndLosesThemAtRelease()
    {
        var (h, id, path) = Setup();
        ulong fh = h.Open(id);
        const ulong File1 = 0xF11E;
        Assert.Equal(0, h.Send(Lk(Opcode.Setlk, id, fh, File1, Libc.F_WRLCK, 0, 0)).Error);
        Assert.Equal(0, h.Send(Lk(Opcode.Setlk, id, fh, File1, Libc.F_WRLCK, flock: true)).Error);
        Assert.Equal("busy", HostTryLock(path, "flock"));
        // A close of a duplicate by some process: its owner is not the open file.
        Assert.Equal(0, h.Send(Req.Make(Opcode.Flush, id, Req.Bytes(new Wire.FuseFlushIn { Fh = fh, LockOwner = OwnerA }))).Error);
        Assert.Equal("busy", HostTryLock(path, "flock"));
        Assert.Equal("busy", HostTryLock(path));
        Assert.Equal(0, h.Send(Req.Make(Opcode.Release, id, Req.Bytes(new Wire.FuseReleaseIn
        {
            Fh = fh, ReleaseFlags = Wire.ReleaseFlockUnlock, LockOwner = File1,
        }))).Error);
        Assert.Equal("locked", HostTryLock(path, "flock"));
        Assert.Equal("locked", HostTryLock(path));
        Assert.Equal(0, h.Dispatcher.Locks.NodeCount);
    }

    [Fact]
    public void AnOwnerIdReusedByANewOpenFile_BeforeTheOldReleaseCame_KeepsTheNewLocks()
    {
        var (h, id, path) = Setup();
        ulong oldFh = h.Open(id), newFh = h.Open(id);
        const ulong Address = 0xADD7;
        Assert.Equal(0, h.Send(Lk(Opcode.Setlk, id, oldFh, Address, Libc.F_WRLCK, 0, 9)).Error);
        // The kernel freed the old struct file; the new one at the same address locks first...
        Assert.Equal(0, h.Send(Lk(Opcode.Setlk, id, newFh, Address, Libc.F_WRLCK, 100, 109)).Error);
        // ...and the old file's background RELEASE comes after.
        Assert.Equal(0, h.Send(Req.Make(Opcode.Release, id, Req.Bytes(new Wire.FuseReleaseIn { Fh = oldFh }))).Error);
        Assert.Equal("busy", HostTryLock(path));
        Assert.Equal(0, h.Send(Req.Make(Opcode.Release, id, Req.Bytes(new Wire.FuseReleaseIn { Fh = newFh }))).Error);
        Assert.Equal("locked", HostTryLock(path));
    }

    [Fact]
    public void ABlockedSetlkw_IsParked_AndGrantedOnceTheHolderLetsGo()
    {
        var (h, id, _) = Setup();
        ulong fh1 = h.Open(id), fh2 = h.Open(id);
        Assert.Equal(0, h.Send(Lk(Opcode.Setlk, id, fh1, OwnerA, Libc.F_WRLCK)).Error);
        byte[] wait = Lk(Opcode.Setlkw, id, fh2, OwnerB, Libc.F_WRLCK);
        Assert.Null(h.TrySend(wait)); // parked, the reader is free
        Thread.Sleep(100);
        Assert.Empty(h.Late.All);
        Assert.Equal(0, h.Send(Lk(Opcode.Setlk, id, fh1, OwnerA, Libc.F_UNLCK)).Error);
        Assert.True(SpinWait.SpinUntil(() => h.Late.All.Count > 0, TimeSpan.FromSeconds(5)));
        var reply = Assert.Single(h.Late.All);
        Assert.Equal((UniqueOf(wait), 0), (reply.Header.Unique, reply.Error));
        Assert.Equal(-(int)Errno.EAGAIN, h.Send(Lk(Opcode.Setlk, id, fh1, OwnerA, Libc.F_RDLCK)).Error);
    }

    [Fact]
    public void AnInterruptedSetlkw_AnswersEINTR_AndNeverTakesTheLockAfterwards()
    {
        var (h, id, path) = Setup();
        ulong fh1 = h.Open(id), fh2 = h.Open(id);
        Assert.Equal(0, h.Send(Lk(Opcode.Setlk, id, fh1, OwnerA, Libc.F_WRLCK)).Error);
        byte[] wait = Lk(Opcode.Setlkw, id, fh2, OwnerB, Libc.F_WRLCK);
        Assert.Null(h.TrySend(wait));
        Assert.Null(h.TrySend(Req.Make(Opcode.Interrupt, 0, Req.Bytes(new Wire.FuseInterruptIn { Unique = UniqueOf(wait) }))));
        var reply = Assert.Single(h.Late.All);
        Assert.Equal((UniqueOf(wait), -(int)Errno.EINTR), (reply.Header.Unique, reply.Error));
        Assert.Equal(0, h.Send(Lk(Opcode.Setlk, id, fh1, OwnerA, Libc.F_UNLCK)).Error);
        Thread.Sleep(500); // longer than the retry period
        Assert.Single(h.Late.All);
        Assert.Equal("locked", HostTryLock(path));
    }

    [Fact]
    public void AFileWithoutAHostFile_KeepsLocksInTheDaemon_StillConflictingBetweenOwners()
    {
        var (h, id, _) = Setup(FileLocks.Local);
        ulong fh1 = h.Open(id), fh2 = h.Open(id);
        Assert.Equal(0, h.Send(Lk(Opcode.Setlk, id, fh1, OwnerA, Libc.F_WRLCK, flock: true)).Error);
        Assert.Equal(-(int)Errno.EAGAIN, h.Send(Lk(Opcode.Setlk, id, fh2, OwnerB, Libc.F_WRLCK, flock: true)).Error);
        Assert.Equal((uint)Libc.F_UNLCK, h.Send(Lk(Opcode.Getlk, id, fh2, OwnerB, Libc.F_WRLCK)).As<Wire.FuseLkOut>().Lk.Type); // flock and POSIX do not meet
        Assert.Equal(0, h.Send(Req.Make(Opcode.Release, id, Req.Bytes(new Wire.FuseReleaseIn { Fh = fh1 }))).Error);
        Assert.Equal(0, h.Send(Lk(Opcode.Setlk, id, fh2, OwnerB, Libc.F_WRLCK, flock: true)).Error);
    }

    [Fact]
    public void LocksAreNegotiated_AndAHostLockedHandleIsOpenedWithoutNoFlush()
    {
        var (h, id, _) = Setup();
        var init = h.Send(Req.Init()).As<Wire.FuseInitOut>();
        Assert.NotEqual(0u, init.Flags & (uint)(InitFlags.PosixLocks | InitFlags.FlockLocks));
        var open = h.Send(Req.Make(Opcode.Open, id, Req.Bytes(new Wire.FuseOpenIn { Flags = 2 }))).As<Wire.FuseOpenOut>();
        Assert.Equal(0u, open.OpenFlags & (uint)OpenReplyFlags.NoFlush);
    }
}
