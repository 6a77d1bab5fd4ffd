using StorageFs.Fuse.Nodes;

namespace StorageFs.Fuse.Protocol;

// GETLK, SETLK, SETLKW: POSIX, OFD and (emulated by the kernel, FUSE_LK_FLOCK) flock locks,
// kept by LockTable on host open file descriptions. A SETLKW that cannot be granted now is
// parked and retried without holding a reader; INTERRUPT answers it EINTR (the kernel restarts
// the call, fs/fuse/file.c fuse_setlk: "locking is restartable").
internal sealed partial class Dispatcher
{
    private bool LocksActive => (NegotiatedFlags & InitFlags.PosixLocks) != 0;

    internal LockTable Locks => _locks;

    internal Errno Getlk(in Request r, Span<byte> reply, out int length)
    {
        length = 0;
        var i = r.Read<Wire.FuseLkIn>();
        OpenFile? f = File(i.Fh);
        if (f is null)
            return Errno.EBADF;
        Errno err = _locks.Get(r.NodeId, i.Fh, f.Handle, i.Owner, i.Lk, out Wire.FuseFileLock conflict);
        if (err != Errno.Ok)
            return err;
        Out<Wire.FuseLkOut>(reply).Lk = conflict;
        length = Unsafe.SizeOf<Wire.FuseLkOut>();
        return Errno.Ok;
    }

    internal Errno Setlk(in Request r, bool wait, out int length)
    {
        length = 0;
        var i = r.Read<Wire.FuseLkIn>();
        OpenFile? f = File(i.Fh);
        if (f is null)
            return Errno.EBADF;
        bool flock = (i.LkFlags & Wire.LkFlock) != 0;
        ulong node = r.NodeId, fh = i.Fh, owner = i.Owner;
        Wire.FuseFileLock lk = i.Lk;
        Errno err = _locks.Set(node, fh, f.Handle, owner, lk, flock);
        if (err != Errno.EAGAIN || !wait)
            return err;
        err = r.Context.Park(out ParkedRequest? parked);
        if (err != Errno.Ok)
        {
            _log.Warning("A blocking lock of uid {Uid} pid {Pid} refused: {Errno} (too many waiting requests for that uid)", r.Context.Uid, r.Context.Pid, err);
            return Errno.ENOLCK;
        }
        Wire.FuseFileLock unlock = lk with { Type = (uint)Libc.F_UNLCK };
        _locks.Wait(parked!,
            () => _locks.Set(node, fh, f.Handle, owner, lk, flock),
            () => _locks.Set(node, fh, f.Handle, owner, unlock, flock));
        return Errno.Ok;
    }
}
