using StorageFs.Core;
using StorageFs.Core.Driver;

namespace StorageFs.Vfs.Tree;

/// <summary>
/// The open that created a block volume by creating its file (<c>cp image.raw volumes/loop0p3</c>
/// on a disk pool). The backend made the partition as large as the largest free extent, since a
/// new file has no size yet; this handle shows only the bytes written so far as the file (reads
/// stop there, <c>st_size</c> is their end), so it behaves as a new regular file, and at the
/// file's close (FLUSH, so the size is right when close(2) returns) it cuts the partition to
/// those bytes through the driver lease (<see cref="OpenedVolume.Resize"/>), rounded up to whole
/// 512-byte sectors with the rest of the last sector zeroed; nothing written keeps 1 MiB of
/// zeros. A write that skips ahead zeroes the gap first (a fresh file reads zeros in its holes;
/// the partition holds whatever was on the disk), through FALLOC_FL_ZERO_RANGE on the device
/// (the kernel's BLKZEROOUT) where aligned. Past the partition's end, writes get ENOSPC. The
/// data is served here, not through passthrough (the kernel would serve the whole device), on
/// the descriptor the backend opened, with FOPEN_DIRECT_IO so it never puts the node in cached
/// mode and other opens of the volume can still use passthrough.
/// </summary>
internal sealed class GrowingBlockHandle : FileHandle
{
    private const int FALLOC_FL_ZERO_RANGE = 0x10;
    private const long Sector = 512;
    private const long EmptySize = 1 << 20;

    private readonly Lock _gate = new();
    private readonly VolumeFile _file;
    private readonly OpenedVolume _opened;
    private readonly BackingFileHandle _device;
    private long _capacity;
    private long _length;
    private bool _dirty = true;

    public GrowingBlockHandle(VolumeFile file, OpenedVolume opened)
    {
        _file = file;
        _opened = opened;
        _capacity = opened.Data.Length;
        _device = new BackingFileHandle(opened.Data.TakeDescriptor());
        OpenFlags = OpenReplyFlags.DirectIo;
    }

    /// <summary>The file's size: the end of the bytes written (or set by truncate).</summary>
    public long Length
    {
        get
        {
            lock (_gate)
                return _length;
        }
    }

    public override Errno Read(RequestContext ctx, long offset, Span<byte> buffer, out int bytesRead)
    {
        lock (_gate)
        {
            bytesRead = 0;
            if (offset >= _length)
                return Errno.Ok;
            int n = (int)Math.Min(buffer.Length, _length - offset);
            return _device.Read(ctx, offset, buffer[..n], out bytesRead);
        }
    }

    public override Errno Write(RequestContext ctx, long offset, ReadOnlySpan<byte> data, out int bytesWritten)
    {
        lock (_gate)
        {
            bytesWritten = 0;
            if (offset >= _capacity)
                return data.Length == 0 ? Errno.Ok : Errno.ENOSPC;
            int n = (int)Math.Min(data.Length, _capacity - offset);
            if (offset > _length)
            {
                Errno zeroed = Zero(ctx, _length, offset - _length);
                if (zeroed != Errno.Ok)
                    return zeroed;
                _length = offset;
            }
            Errno err = _device.Write(ctx, offset, data[..n], out bytesWritten);
            _length = Math.Max(_length, offset + bytesWritten);
            _dirty = true;
            return err;
        }
    }

    /// <summary>truncate(2) while the file is new: any size the partition can hold.</summary>
    public Errno Truncate(RequestContext ctx, ulong size)
    {
        lock (_gate)
        {
            if (size > (ulong)_capacity)
                return _file.Fail(ctx, "truncate", Errno.ENOSPC,
                    $"the new partition can hold at most {_capacity} bytes (the largest free extent of the disk)");
            if ((long)size > _length)
            {
                Errno zeroed = Zero(ctx, _length, (long)size - _length);
                if (zeroed != Errno.Ok)
                    return zeroed;
            }
            _length = (long)size;
            _dirty = true;
            return Errno.Ok;
        }
    }

    public override Errno Flush(RequestContext ctx)
    {
        lock (_gate)
        {
            if (!_dirty)
                return Errno.Ok;
            return _file.Change(ctx, "close", () => Settle(ctx), $"cannot cut the new partition to the {_length} bytes written");
        }
    }

    public override Errno Fsync(RequestContext ctx, bool dataOnly) => _device.Fsync(ctx, dataOnly);

    public override void Release()
    {
        try
        {
            lock (_gate)
            {
                // FLUSH comes before RELEASE unless the connection went away; cut here then.
                if (_dirty)
                {
                    // The partition keeps its size; the volume shows it.
                    _file.Quietly(() => Settle(null));
                }
            }
        }
        finally
        {
            _device.Release();
            _file.GrowingEnded(this);
            _opened.Dispose();
        }
    }

    // Cuts the partition to the bytes written, rounded up to whole sectors (zeroed).
    private void Settle(RequestContext? ctx)
    {
        long size = _length == 0 ? Math.Min(EmptySize, _capacity) : (_length + Sector - 1) / Sector * Sector;
        if (size > _length)
        {
            Errno zeroed = Zero(ctx, _length, size - _length);
            if (zeroed != Errno.Ok)
                throw new StorageException(ErrorCode.OperationFailed, $"cannot zero the end of the new partition: {zeroed}", (int)zeroed);
        }
        if (size != _capacity)
            _capacity = (long)_opened.Resize((ulong)size).Capacity;
        _length = size;
        _dirty = false;
    }

    // Zeroes [offset, offset + count) of the device: the sector-aligned middle with
    // FALLOC_FL_ZERO_RANGE (blkdev_fallocate wants logical-block alignment), the rest written.
    private Errno Zero(RequestContext? ctx, long offset, long count)
    {
        long end = offset + count;
        long alignedStart = (offset + Sector - 1) / Sector * Sector;
        long alignedEnd = end / Sector * Sector;
        if (alignedEnd > alignedStart)
        {
            if (_device.Fallocate(ctx!, FALLOC_FL_ZERO_RANGE, alignedStart, alignedEnd - alignedStart) == Errno.Ok)
            {
                Errno head = WriteZeros(ctx, offset, alignedStart - offset);
                return head != Errno.Ok ? head : WriteZeros(ctx, alignedEnd, end - alignedEnd);
            }
        }
        return WriteZeros(ctx, offset, count);
    }

    private Errno WriteZeros(RequestContext? ctx, long offset, long count)
    {
        if (count <= 0)
            return Errno.Ok;
        byte[] zeros = new byte[(int)Math.Min(count, 1 << 20)];
        while (count > 0)
        {
            int n = (int)Math.Min(count, zeros.Length);
            Errno err = _device.Write(ctx!, offset, zeros.AsSpan(0, n), out int written);
            if (err != Errno.Ok)
                return err;
            if (written == 0)
                return Errno.EIO;
            offset += written;
            count -= written;
        }
        return Errno.Ok;
    }
}
