using System.Runtime.InteropServices;
using Serilog;
using StorageFs.Core;
using StorageFs.Core.Backend;

namespace StorageFs.Backends.Rbd;

/// <summary>
/// An rbd image's bytes for the tree (<see cref="IVolumeIo"/>). The tree's requests are librbd
/// asynchronous requests (rbd_aio_read2/write2/discard/write_zeroes/flush, <see cref="RbdAio"/>):
/// the call only starts them, as many in flight as the kernel sends, and librbd's callback
/// answers; a growth (a write past the end, ZERO_RANGE, a growing truncate) is an rbd_resize
/// run on a thread-pool thread once the requests in flight have ended, the request that asked
/// for it completed after it (<see cref="RbdIoGate"/>), so none of them holds the calling thread; a
/// read lands in a pinned buffer that the reply is written from, a write is taken from the
/// request's own buffer. The synchronous members (uploads, downloads) are one librbd call each
/// on the caller's thread with the caller's buffer. librbd's cache (rbd_cache, in
/// writeback: <see cref="RbdCluster"/>) sits under both. A write past the end grows the image like a file: the
/// image is resized ahead in steps (to at least double, at most 1 GiB more) so a `cp` does not
/// resize per write, and <see cref="Settle"/> (the close) cuts it to the end of the bytes
/// written. Holds a reference on the
/// connection until disposed. The asynchronous members (the tree's requests) are in
/// RbdImageIo.Async.cs.
/// </summary>
internal sealed partial class RbdImageIo : IVolumeIo
{
    private const long Step = 1L << 30;
    private const long Object = 4L << 20;

    private readonly RbdCluster _cluster;
    private readonly RbdOpening _opening;
    private readonly string _name;
    private readonly RbdIoGate _gate = new();
    private readonly ILogger _log;
    private long _length;   // the file's size: what reads see
    private long _size;     // the image's size, ahead of _length while growing
    private int _disposed;

    /// <summary>Starts opening image <paramref name="name"/>; until the open completes the size
    /// is <paramref name="length"/> (the volume's last known capacity) and requests wait.</summary>
    public RbdImageIo(RbdCluster cluster, string name, long length, bool writable, ILogger log)
    {
        _cluster = cluster;
        _log = log;
        _name = name;
        Writable = writable;
        _length = _size = length;
        _opening = RbdOpening.Start(cluster, name, readOnly: !writable, image =>
        {
            // On librbd's thread, before any queued request runs (rbd_get_size is local).
            long size = (long)image.Size;
            Volatile.Write(ref _size, size);
            Volatile.Write(ref _length, size);
        });
    }

    // The open image, waiting for the open (the synchronous members).
    private RbdImage Image => _opening.Image;

    public long Length => Volatile.Read(ref _length);

    public bool Writable { get; }

    public int Read(long offset, Span<byte> buffer)
    {
        _gate.Enter();
        try
        {
            long length = _length;
            if (offset >= length || buffer.IsEmpty)
            {
                return 0;
            }
            int n = (int)Math.Min(buffer.Length, length - offset);
            long rc = LibRbd.rbd_read2(Image.Handle, (ulong)offset, (nuint)n, ref buffer[0], 0);
            return (int)RbdErrors.CheckIo(rc, $"read of {n} bytes at {offset} from RBD image '{_name}'");
        }
        finally
        {
            _gate.Exit();
        }
    }

    public void Write(long offset, ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return;
        }
        long end = offset + data.Length;
        if (end > Volatile.Read(ref _size))
        {
            Grow(end, ahead: true);
        }
        _gate.Enter();
        try
        {
            long rc = LibRbd.rbd_write2(Image.Handle, (ulong)offset, (nuint)data.Length,
                ref MemoryMarshal.GetReference(data), 0);
            RbdErrors.CheckIo(rc, $"write of {data.Length} bytes at {offset} to RBD image '{_name}'");
            Extend(end);
        }
        finally
        {
            _gate.Exit();
        }
    }

    public void Flush() =>
        RbdErrors.CheckIo(LibRbd.rbd_flush(Image.Handle), $"flush of RBD image '{_name}'");

    public void Settle()
    {
        _gate.EnterExclusive();
        try
        {
            if (_size > _length)
            {
                RbdErrors.CheckIo(LibRbd.rbd_resize(Image.Handle, (ulong)_length), $"resize of RBD image '{_name}' to {_length} bytes");
                _size = _length;
            }
        }
        finally
        {
            _gate.ExitExclusive();
        }
        Flush();
    }

    public void Discard(long offset, long length)
    {
        _gate.Enter();
        try
        {
            RbdErrors.CheckIo(LibRbd.rbd_discard(Image.Handle, (ulong)offset, (ulong)length),
                $"discard of {length} bytes at {offset} in RBD image '{_name}'");
        }
        finally
        {
            _gate.Exit();
        }
    }

    public void WriteZeroes(long offset, long length)
    {
        _gate.Enter();
        try
        {
            while (length > 0)
            {
                long n = Math.Min(length, 1L << 30);
                RbdErrors.CheckIo(LibRbd.rbd_write_zeroes(Image.Handle, (ulong)offset, (nuint)n, 0, 0),
                    $"zeroing {n} bytes at {offset} in RBD image '{_name}'");
                offset += n;
                length -= n;
            }
        }
        finally
        {
            _gate.Exit();
        }
    }

    public void SetLength(long length)
    {
        if (length > Volatile.Read(ref _length))
        {
            Grow(length, ahead: false);
            _gate.EnterExclusive();
            try
            {
                _length = Math.Max(_length, length);
            }
            finally
            {
                _gate.ExitExclusive();
            }
        }
    }

    public long NextData(long offset)
    {
        long found = -1;
        long length = Length;
        Walk(offset, length, (start, len) =>
        {
            long end = (long)(start + len);
            if (end <= offset)
            {
                return true;
            }
            found = Math.Max(offset, (long)start);
            return false;
        });
        return found >= length ? -1 : found;
    }

    public long NextHole(long offset)
    {
        long pos = offset;
        long length = Length;
        Walk(offset, length, (start, len) =>
        {
            if ((long)start > pos)
            {
                return false;
            }
            pos = Math.Max(pos, (long)(start + len));
            return true;
        });
        return Math.Min(pos, length);
    }

    private void Walk(long offset, long length, Func<ulong, ulong, bool> each)
    {
        if (offset >= length)
        {
            return;
        }
        // Whole objects: start at the object holding offset.
        long from = offset / Object * Object;
        try
        {
            Image.Extents((ulong)from, (ulong)(length - from), each);
        }
        catch (StorageException e)
        {
            throw new IOException(e.Message, e.OsErrno ?? 5);
        }
    }

    private void Grow(long end, bool ahead)
    {
        _gate.EnterExclusive();
        try
        {
            Resize(end, ahead);
        }
        finally
        {
            _gate.ExitExclusive();
        }
    }

    // Inside the gate (exclusive): the image to at least end; blocks on the cluster.
    private void Resize(long end, bool ahead)
    {
        if (end <= _size)
        {
            return;
        }
        long target = ahead ? Math.Max(end, Math.Min(Math.Max(_size * 2, Object), _size + Step)) : end;
        RbdErrors.CheckIo(LibRbd.rbd_resize(Image.Handle, (ulong)target), $"growing RBD image '{_name}' to {target} bytes");
        Volatile.Write(ref _size, target);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        // Every request in flight ends first (rbd_close would wait for them too).
        _gate.EnterExclusive();
        RbdImage? image = null;
        try
        {
            image = Image;
            if (Writable && _size > _length)
            {
                LibRbd.rbd_resize(image.Handle, (ulong)_length);
            }
        }
        catch (IOException)
        {
            // The open failed: nothing to close.
        }
        finally
        {
            image?.Dispose();
            _cluster.Release();
        }
    }
}
