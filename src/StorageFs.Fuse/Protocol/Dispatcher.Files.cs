using System.Collections.Concurrent;
using StorageFs.Fuse.Nodes;

namespace StorageFs.Fuse.Protocol;

// Open files: open/create, the data path, and the per-handle operations.
internal sealed partial class Dispatcher
{
    private OpenFile? File(ulong fh)
    {
        OpenFile? f = _files.Get(fh);
        if (f is null)
            _log.Warning("Request for unknown file handle {Fh}", fh);
        return f;
    }

    /// <summary>Registers the handle and fills <c>fuse_open_out</c>, attaching passthrough when possible.</summary>
    private void FinishOpen(Node node, FileHandle handle, uint uid, ref Wire.FuseOpenOut o)
    {
        bool passthrough = TryAcquireBacking(node, handle, out int backingId);
        OpenReplyFlags flags = handle.OpenFlags;
        // A handle with host locks needs FLUSH: it carries the lock owner of a process that closed the file.
        if (!HandlesFlush(handle.GetType()) && !(LocksActive && handle.Locks == FileLocks.Host))
            flags |= OpenReplyFlags.NoFlush;
        if (passthrough)
        {
            flags = (flags & ~OpenReplyFlags.DirectIo) | OpenReplyFlags.Passthrough;
            o.BackingId = backingId;
        }
        o.Fh = _files.Add(new OpenFile(node, handle, passthrough, uid));
        o.OpenFlags = (uint)flags;
    }

    private static readonly ConcurrentDictionary<Type, bool> s_handlesFlush = new();

    /// <summary>
    /// True when the handle's class overrides <see cref="FileHandle.Flush"/>. The others are
    /// opened with FOPEN_NOFLUSH, so close(2) costs no FLUSH round trip (open+close went from
    /// three requests to two; bench/run op-open).
    /// </summary>
    private static bool HandlesFlush(Type type) =>
        s_handlesFlush.GetOrAdd(type, static t =>
            t.GetMethod(nameof(FileHandle.Flush), [typeof(RequestContext)])?.DeclaringType != typeof(FileHandle));

    private bool TryAcquireBacking(Node node, FileHandle handle, out int backingId)
    {
        backingId = 0;
        SafeHandle? backing = handle.Backing;
        // A slot's node is made afresh per request: it has no backing to share (INodeSlots).
        if (!PassthroughActive || backing is null || _channel is null || !handle.OffersPassthrough || node is INodeSlot)
            return false;
        var b = node.Backing;
        lock (b.Gate)
        {
            if (b.Refs > 0)
            {
                b.Refs++;
                backingId = b.Id;
                return true;
            }
            bool added = false;
            Errno err;
            try
            {
                backing.DangerousAddRef(ref added);
                err = _channel.BackingOpen((int)backing.DangerousGetHandle(), out backingId);
            }
            finally
            {
                if (added)
                    backing.DangerousRelease();
            }
            if (err != Errno.Ok)
            {
                if (Interlocked.Exchange(ref _passthroughWarned, 1) == 0)
                    _log.Warning("FUSE passthrough refused by the kernel ({Errno}); serving file data in user space", err);
                return false;
            }
            b.Id = backingId;
            b.Refs = 1;
            return true;
        }
    }

    private void ReleaseBacking(Node node)
    {
        var b = node.Backing;
        lock (b.Gate)
        {
            if (b.Refs <= 0 || --b.Refs > 0)
                return;
            Errno err = _channel!.BackingClose(b.Id);
            if (err != Errno.Ok)
                _log.Warning("FUSE_DEV_IOC_BACKING_CLOSE of {Id} failed: {Errno}", b.Id, err);
            b.Id = 0;
        }
    }

    internal Errno Open(in Request r, Span<byte> reply, out int length)
    {
        length = 0;
        var i = r.Read<Wire.FuseOpenIn>();
        Errno err = Resolve(r.NodeId, out Node? node);
        if (err != Errno.Ok)
            return err;
        if (node is not INodeOpen opener)
            return Errno.EPERM;
        err = TakeHandle(r.Context, "open", node, null);
        if (err != Errno.Ok)
            return err;
        FileHandle? handle;
        try
        {
            err = opener.Open(r.Context, (int)i.Flags, out handle);
        }
        catch
        {
            _quota.Give(r.Context.Uid); // the dispatcher answers EIO; the count must not leak
            throw;
        }
        if (err == Errno.Ok && handle is null)
        {
            _log.Error("Open of node {Node} succeeded without a handle", r.NodeId);
            err = Errno.EIO;
        }
        if (err != Errno.Ok)
        {
            _quota.Give(r.Context.Uid);
            return err;
        }
        ref var o = ref Out<Wire.FuseOpenOut>(reply);
        FinishOpen(node, handle!, r.Context.Uid, ref o);
        KillSuidSgidAtOpen(node, r.Context, i, (o.OpenFlags & (uint)OpenReplyFlags.Passthrough) != 0);
        length = Unsafe.SizeOf<Wire.FuseOpenOut>();
        return Errno.Ok;
    }

    internal Errno Create(in Request r, Span<byte> reply, out int length)
    {
        length = 0;
        var c = r.Read<Wire.FuseCreateIn>();
        Errno err = NameAndNode(r, Unsafe.SizeOf<Wire.FuseCreateIn>(), out string name, out Node? parent);
        if (err != Errno.Ok)
            return err;
        if (parent is not (INodeCreate or INodeMknod))
            return Errno.EPERM;
        err = TakeHandle(r.Context, "create", parent!, name);
        if (err != Errno.Ok)
            return err;
        try
        {
            err = CreateCounted(r, c, name, parent!, reply, out length);
        }
        catch
        {
            _quota.Give(r.Context.Uid);
            throw;
        }
        if (err != Errno.Ok)
            _quota.Give(r.Context.Uid);
        return err;
    }

    /// <summary>CREATE once its handle is counted.</summary>
    private Errno CreateCounted(in Request r, in Wire.FuseCreateIn c, string name, Node parent, Span<byte> reply, out int length)
    {
        length = 0;
        Errno err;
        Node? child;
        FileHandle? handle;
        if (parent is INodeCreate dir)
        {
            err = dir.Create(r.Context, name, (int)c.Flags, c.Mode, out child, out handle);
        }
        else if (parent is INodeMknod maker)
        {
            // Not ENOSYS: the kernel would stop sending CREATE for the whole mount (fc->no_create).
            handle = null;
            err = maker.Mknod(r.Context, name, 0x8000 | (c.Mode & 0xFFF), 0, out child);
            if (err == Errno.Ok)
                err = child is INodeOpen opener ? opener.Open(r.Context, (int)c.Flags, out handle) : Errno.EIO;
        }
        else
        {
            return Errno.EPERM;
        }
        if (err != Errno.Ok)
            return err;
        if (child is null || handle is null)
        {
            _log.Error("Create of {Name} succeeded without a node or handle", name);
            handle?.Release();
            return Errno.EIO;
        }
        int entrySize = Unsafe.SizeOf<Wire.FuseEntryOut>();
        err = FillEntry(child, r.Context, ref Out<Wire.FuseEntryOut>(reply));
        if (err != Errno.Ok)
        {
            handle.Release();
            return err;
        }
        FinishOpen(child, handle, r.Context.Uid, ref Out<Wire.FuseOpenOut>(reply[entrySize..]));
        length = entrySize + Unsafe.SizeOf<Wire.FuseOpenOut>();
        return Errno.Ok;
    }

    internal Errno Read(in Request r, Span<byte> reply, out int length)
    {
        length = 0;
        var i = r.Read<Wire.FuseReadIn>();
        OpenFile? f = File(i.Fh);
        if (f is null)
            return Errno.EBADF;
        int size = (int)Math.Min(i.Size, (uint)reply.Length);
        r.Context.Size = (uint)size;
        return f.Handle.Read(r.Context, (long)i.Offset, reply[..size], out length);
    }

    internal Errno Write(in Request r, Span<byte> reply, out int length)
    {
        length = 0;
        var w = r.Read<Wire.FuseWriteIn>();
        var data = r.Body[Unsafe.SizeOf<Wire.FuseWriteIn>()..];
        if (w.Size > (uint)data.Length)
        {
            _log.Warning("Malformed WRITE: {Declared} bytes declared, {Actual} present", w.Size, data.Length);
            return Errno.EINVAL;
        }
        OpenFile? f = File(w.Fh);
        if (f is null)
            return Errno.EBADF;
        r.Context.Size = w.Size;
        Errno err = f.Handle.Write(r.Context, (long)w.Offset, data[..(int)w.Size], out int written);
        if (err != Errno.Ok)
            return err;
        if ((w.WriteFlags & WriteKillSuidgid) != 0 && KillprivV2)
            KillSuidSgid(f.Node, r.Context);
        ref var o = ref Out<Wire.FuseWriteOut>(reply);
        o.Size = (uint)written;
        length = Unsafe.SizeOf<Wire.FuseWriteOut>();
        return Errno.Ok;
    }

    internal Errno Release(in Request r, out int length)
    {
        length = 0;
        var rel = r.Read<Wire.FuseReleaseIn>();
        OpenFile? f = _files.Remove(rel.Fh);
        if (f is null)
            return Errno.Ok; // nothing left to release; the kernel ignores RELEASE errors anyway
        _quota.Give(f.Uid);
        _locks.Release(r.NodeId, rel.Fh, (rel.ReleaseFlags & Wire.ReleaseFlockUnlock) != 0 ? rel.LockOwner : null);
        try
        {
            f.Handle.Release();
        }
        finally
        {
            if (f.Passthrough)
                ReleaseBacking(f.Node);
        }
        return Errno.Ok;
    }

    internal Errno Flush(in Request r, out int length)
    {
        length = 0;
        var fl = r.Read<Wire.FuseFlushIn>();
        OpenFile? f = File(fl.Fh);
        if (f is null)
            return Errno.EBADF;
        _locks.Flush(r.NodeId, fl.LockOwner);
        return f.Handle.Flush(r.Context);
    }

    internal Errno Fsync(in Request r, out int length)
    {
        length = 0;
        var s = r.Read<Wire.FuseFsyncIn>();
        OpenFile? f = File(s.Fh);
        return f is null ? Errno.EBADF : f.Handle.Fsync(r.Context, (s.FsyncFlags & 1) != 0);
    }

    internal Errno Poll(in Request r, Span<byte> reply, out int length)
    {
        length = 0;
        var p = r.Read<Wire.FusePollIn>();
        OpenFile? f = File(p.Fh);
        if (f is null)
            return Errno.EBADF;
        PollWaiter? waiter = (p.Flags & Wire.PollScheduleNotify) != 0 ? new PollWaiter(Notifier, p.Kh) : null;
        Errno err = f.Handle.Poll(r.Context, waiter, p.Events, out uint revents);
        if (err != Errno.Ok)
            return err;
        ref var o = ref Out<Wire.FusePollOut>(reply);
        o.Revents = revents;
        length = Unsafe.SizeOf<Wire.FusePollOut>();
        return Errno.Ok;
    }

    internal Errno Fallocate(in Request r, out int length)
    {
        length = 0;
        var a = r.Read<Wire.FuseFallocateIn>();
        OpenFile? f = File(a.Fh);
        return f is null ? Errno.EBADF : f.Handle.Fallocate(r.Context, (int)a.Mode, (long)a.Offset, (long)a.Length);
    }

    internal Errno Lseek(in Request r, Span<byte> reply, out int length)
    {
        length = 0;
        var s = r.Read<Wire.FuseLseekIn>();
        OpenFile? f = File(s.Fh);
        if (f is null)
            return Errno.EBADF;
        Errno err = f.Handle.Lseek(r.Context, (long)s.Offset, (int)s.Whence, out long result);
        if (err != Errno.Ok)
            return err;
        Out<Wire.FuseLseekOut>(reply).Offset = (ulong)result;
        length = Unsafe.SizeOf<Wire.FuseLseekOut>();
        return Errno.Ok;
    }

    internal Errno CopyFileRange(in Request r, Span<byte> reply, out int length)
    {
        length = 0;
        var c = r.Read<Wire.FuseCopyFileRangeIn>();
        OpenFile? src = File(c.FhIn), dst = File(c.FhOut);
        if (src is null || dst is null)
            return Errno.EBADF;
        // The reply carries a 32-bit count (fuse_write_out.size).
        long len = (long)Math.Min(c.Len, uint.MaxValue & ~4095u);
        Errno err = src.Handle.CopyFileRange(r.Context, (long)c.OffIn, dst.Handle, (long)c.OffOut, len, out long copied);
        if (err != Errno.Ok)
            return err;
        Out<Wire.FuseWriteOut>(reply).Size = (uint)copied;
        length = Unsafe.SizeOf<Wire.FuseWriteOut>();
        return Errno.Ok;
    }
}
