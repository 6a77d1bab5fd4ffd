using System.Buffers.Binary;
using StorageFs.Core.Backend;
using StorageFs.Core.Driver;

namespace StorageFs.Vfs.Tree;

/// <summary>
/// A volume whose bytes a backend serves by positional calls from user space
/// (<see cref="IVolumeIo"/>: an rbd image through librbd). No lock. Where the volume is
/// asynchronous, READ, WRITE, FSYNC, fallocate and a growing SETATTR are parked and started, and the volume's
/// completion answers them, so no reader thread waits on the cluster and as many requests are
/// in flight as the kernel sends at once (O_DIRECT and readahead send several); a user past
/// the engine's parked-request bound gets EAGAIN. Else each request runs on the reader thread
/// that took it, with the request's own buffer. A write past the end grows
/// the volume; FLUSH (every close) settles provisional growth and makes the writes durable, so
/// the size is right when close(2) returns; FSYNC is <see cref="IVolumeIo.Flush"/>; fallocate
/// PUNCH_HOLE discards, ZERO_RANGE writes zeroes, plain allocation grows; SEEK_DATA and
/// SEEK_HOLE come from the backend's map of allocated extents. The lease is held until RELEASE.
/// </summary>
internal sealed class IoVolumeHandle : FileHandle
{
    private const int FALLOC_FL_KEEP_SIZE = 0x01, FALLOC_FL_PUNCH_HOLE = 0x02, FALLOC_FL_ZERO_RANGE = 0x10;
    private const int SEEK_DATA = 3, SEEK_HOLE = 4;

    private readonly StorageTree _tree;
    private readonly VolumeFile _file;
    private readonly string _where;
    private readonly OpenedVolume _opened;
    private readonly IVolumeIo _io;
    private int _written;

    public IoVolumeHandle(StorageTree tree, VolumeFile file, string where, OpenedVolume opened)
    {
        _tree = tree;
        _file = file;
        _where = where;
        _opened = opened;
        _io = opened.Data.TakeIo();
    }

    /// <summary>The volume's size as this open sees it (grown by its writes).</summary>
    public long Length => _io.Length;

    public override Errno Read(RequestContext ctx, long offset, Span<byte> buffer, out int bytesRead)
    {
        bytesRead = 0;
        if (Parks(ctx, ParkInterrupts.Any, out var parked, out var err))
        {
            if (parked is not null)
                _io.ReadAsync(offset, buffer.Length, new Answer(this, parked, "read"));
            return err;
        }
        try
        {
            bytesRead = _io.Read(offset, buffer);
            return Errno.Ok;
        }
        catch (IOException e)
        {
            return Failed(ctx, "read", e);
        }
    }

    public override Errno Write(RequestContext ctx, long offset, ReadOnlySpan<byte> data, out int bytesWritten)
    {
        bytesWritten = 0;
        if (!_io.Writable)
            return Errno.EBADF;
        Volatile.Write(ref _written, 1);
        if (Parks(ctx, ParkInterrupts.FatalOnly, out var parked, out var err))
        {
            if (parked is not null)
                _io.WriteAsync(offset, data, new Answer(this, parked, "write"));
            return err;
        }
        try
        {
            _io.Write(offset, data);
            bytesWritten = data.Length;
            return Errno.Ok;
        }
        catch (IOException e)
        {
            return Failed(ctx, "write", e);
        }
    }

    public override Errno Flush(RequestContext ctx)
    {
        if (Volatile.Read(ref _written) == 0)
            return Errno.Ok;
        if (Parks(ctx, ParkInterrupts.FatalOnly, out var parked, out var err))
        {
            if (parked is not null)
                VolumeCallQueue.Post(() =>
                {
                    try
                    {
                        _io.Settle();
                        parked.Reply(Errno.Ok);
                    }
                    catch (IOException e)
                    {
                        parked.Reply(Failed(parked.Context, "close", e));
                    }
                }, _tree.Log);
            return err;
        }
        try
        {
            _io.Settle();
            return Errno.Ok;
        }
        catch (IOException e)
        {
            return Failed(ctx, "close", e);
        }
    }

    public override Errno Fsync(RequestContext ctx, bool dataOnly)
    {
        if (!_io.Writable)
            return Errno.Ok;
        if (Parks(ctx, ParkInterrupts.FatalOnly, out var parked, out var err))
        {
            if (parked is not null)
                _io.FlushAsync(new Answer(this, parked, "fsync"));
            return err;
        }
        try
        {
            _io.Flush();
            return Errno.Ok;
        }
        catch (IOException e)
        {
            return Failed(ctx, "fsync", e);
        }
    }

    public override Errno Fallocate(RequestContext ctx, int mode, long offset, long length)
    {
        if (!_io.Writable)
            return Errno.EBADF;
        try
        {
            Volatile.Write(ref _written, 1);
            if ((mode & FALLOC_FL_PUNCH_HOLE) != 0)
            {
                // The kernel sends PUNCH_HOLE only with KEEP_SIZE (fs/open.c vfs_fallocate).
                long end = Math.Min(offset + length, _io.Length);
                if (end <= offset)
                    return Errno.Ok;
                if (Parks(ctx, ParkInterrupts.FatalOnly, out var parked, out var err))
                {
                    if (parked is not null)
                        _io.DiscardAsync(offset, end - offset, new Answer(this, parked, "fallocate"));
                    return err;
                }
                _io.Discard(offset, end - offset);
                return Errno.Ok;
            }
            if ((mode & FALLOC_FL_ZERO_RANGE) != 0)
            {
                long end = (mode & FALLOC_FL_KEEP_SIZE) != 0 ? Math.Min(offset + length, _io.Length) : offset + length;
                if (end <= offset)
                    return Errno.Ok;
                if (Parks(ctx, ParkInterrupts.FatalOnly, out var parked, out var err))
                {
                    if (parked is not null)
                        _io.WriteZeroesAsync(offset, end - offset, new Answer(this, parked, "fallocate"));
                    return err;
                }
                if (end > _io.Length)
                    _io.SetLength(end);
                _io.WriteZeroes(offset, end - offset);
                return Errno.Ok;
            }
            // Plain allocation: an image is thin; the size grows unless KEEP_SIZE.
            if ((mode & FALLOC_FL_KEEP_SIZE) == 0 && offset + length > _io.Length)
            {
                if (Parks(ctx, ParkInterrupts.FatalOnly, out var parked, out var err))
                {
                    if (parked is not null)
                        _io.SetLengthAsync(offset + length, new Answer(this, parked, "fallocate"));
                    return err;
                }
                _io.SetLength(offset + length);
            }
            return Errno.Ok;
        }
        catch (IOException e)
        {
            return Failed(ctx, "fallocate", e);
        }
    }

    public override Errno Lseek(RequestContext ctx, long offset, int whence, out long result)
    {
        result = 0;
        if (whence is not (SEEK_DATA or SEEK_HOLE))
            return Errno.ENOSYS;
        if (offset < 0 || offset >= _io.Length)
            return Errno.ENXIO;
        if (Parks(ctx, ParkInterrupts.Any, out var parked, out var err))
        {
            if (parked is not null)
                VolumeCallQueue.Post(() =>
                {
                    if (parked.IsDone)
                        return;
                    try
                    {
                        long found = whence == SEEK_DATA ? _io.NextData(offset) : _io.NextHole(offset);
                        Span<byte> body = stackalloc byte[8];
                        BinaryPrimitives.WriteInt64LittleEndian(body, found);
                        if (found < 0)
                            parked.Reply(Errno.ENXIO);
                        else
                            parked.Reply(body);
                    }
                    catch (IOException e)
                    {
                        parked.Reply(Failed(parked.Context, "lseek", e));
                    }
                }, _tree.Log);
            return err;
        }
        try
        {
            result = whence == SEEK_DATA ? _io.NextData(offset) : _io.NextHole(offset);
            return result < 0 ? Errno.ENXIO : Errno.Ok;
        }
        catch (IOException e)
        {
            return Failed(ctx, "lseek", e);
        }
    }

    /// <summary>Grows the volume through this open (ftruncate to a larger size). An asynchronous
    /// volume parks the SETATTR and answers it with the attributes once grown
    /// (<paramref name="attr"/>: the reply's, its inode number set); the caller then answers
    /// nothing itself.</summary>
    public Errno Grow(RequestContext ctx, long length, in FuseAttr attr)
    {
        Volatile.Write(ref _written, 1);
        if (Parks(ctx, ParkInterrupts.FatalOnly, out var parked, out var err))
        {
            if (parked is not null)
                _io.SetLengthAsync(length, new Grown(this, parked, attr));
            return err;
        }
        try
        {
            _io.SetLength(length);
            return Errno.Ok;
        }
        catch (IOException e)
        {
            return Failed(ctx, "truncate", e);
        }
    }

    public override void Release()
    {
        // An asynchronous volume's close waits for its requests in flight: off the reader.
        if (_io.Asynchronous)
            VolumeCallQueue.Post(Close, _tree.Log);
        else
            Close();
    }

    private void Close()
    {
        try
        {
            _io.Dispose();
        }
        finally
        {
            _opened.Dispose();
            _file.IoEnded(this);
        }
    }

    /// <summary>
    /// Whether a request goes the asynchronous way: the volume is asynchronous and the request
    /// can be parked. Then <paramref name="parked"/> is the parked request, to be answered by
    /// the call the caller starts now, or null with <paramref name="err"/> the refusal to answer
    /// at once (EAGAIN past the caller's bound of parked requests). False: serve it in place.
    /// </summary>
    private bool Parks(RequestContext ctx, ParkInterrupts interrupts, out ParkedRequest? parked, out Errno err)
    {
        parked = null;
        err = Errno.Ok;
        if (!_io.Asynchronous || !ctx.CanPark)
            return false;
        err = ctx.Park(out parked, interrupts);
        if (err != Errno.Ok)
            parked = null;
        return true;
    }

    private Errno Failed(RequestContext ctx, string op, IOException e) =>
        _tree.Fail(ctx, op, _where, e.HResult is > 0 and < 4096 ? (Errno)e.HResult : Errno.EIO, e.Message);

    /// <summary>Answers a parked request from the volume's completion (on the backend's thread):
    /// a read with the bytes, a write with its count, others with success; a failure as the
    /// synchronous path does (errno, message in errors).</summary>
    private sealed class Answer(IoVolumeHandle handle, ParkedRequest parked, string op) : VolumeIoCompletion
    {
        public override void Completed(int count, ReadOnlySpan<byte> data)
        {
            if (parked.Opcode == Opcode.Read)
                parked.Reply(data);
            else if (parked.Opcode == Opcode.Write)
                parked.ReplyWritten(count);
            else
                parked.Reply(Errno.Ok);
        }

        public override void Failed(IOException error) =>
            parked.Reply(handle.Failed(parked.Context, op, error));
    }

    /// <summary>Answers a parked growing SETATTR: the volume's attributes as GETATTR gives them.</summary>
    private sealed class Grown(IoVolumeHandle handle, ParkedRequest parked, FuseAttr attr) : VolumeIoCompletion
    {
        public override void Completed(int count, ReadOnlySpan<byte> data)
        {
            var reply = attr;
            Errno err = handle._file.GetAttr(parked.Context, ref reply);
            if (err != Errno.Ok)
                parked.Reply(err);
            else
                parked.ReplyAttr(reply, handle._file.AttrTimeout ?? TimeSpan.Zero);
        }

        public override void Failed(IOException error) =>
            parked.Reply(handle.Failed(parked.Context, "truncate", error));
    }
}
