using StorageFs.Fuse;
using StorageFs.Fuse.Nodes;
using StorageFs.Interop;

namespace StorageFs.Demo;

/// <summary>A regular file held in memory (up to 2 GiB), readable and writable at any offset.</summary>
internal sealed class MemFile(uint mode, uint uid, uint gid) : MemNode(MemNode.S_IFREG | (mode & 0xFFF), uid, gid), INodeOpen
{
    private const int O_TRUNC = 0x200;
    private readonly ReaderWriterLockSlim _data = new();
    private byte[] _bytes = [];
    private long _length;

    protected override long Size => Interlocked.Read(ref _length);

    public Errno Open(RequestContext ctx, int flags, out FileHandle? handle)
    {
        if ((flags & O_TRUNC) != 0)
            Truncate(0);
        handle = new MemFileHandle(this);
        return Errno.Ok;
    }

    public Errno Read(long offset, Span<byte> buffer, out int read)
    {
        _data.EnterReadLock();
        try
        {
            read = offset >= _length ? 0 : (int)Math.Min(buffer.Length, _length - offset);
            _bytes.AsSpan((int)offset, read).CopyTo(buffer);
        }
        finally
        {
            _data.ExitReadLock();
        }
        return Errno.Ok;
    }

    public Errno Write(long offset, ReadOnlySpan<byte> data, out int written)
    {
        written = 0;
        long end = offset + data.Length;
        if (offset < 0 || end > Array.MaxLength)
            return Errno.EFBIG;
        _data.EnterWriteLock();
        try
        {
            EnsureCapacity(end);
            data.CopyTo(_bytes.AsSpan((int)offset));
            if (end > _length)
                Interlocked.Exchange(ref _length, end);
        }
        finally
        {
            _data.ExitWriteLock();
        }
        written = data.Length;
        Touch();
        return Errno.Ok;
    }

    private void EnsureCapacity(long size)
    {
        if (size <= _bytes.Length)
            return;
        long grown = Math.Max(size, Math.Min(Array.MaxLength, Math.Max(4096, (long)_bytes.Length * 2)));
        Array.Resize(ref _bytes, (int)grown);
    }

    protected override Errno Truncate(long size)
    {
        if (size < 0 || size > Array.MaxLength)
            return Errno.EFBIG;
        _data.EnterWriteLock();
        try
        {
            if (size > _length)
            {
                EnsureCapacity(size);
                _bytes.AsSpan((int)_length, (int)(size - _length)).Clear();
            }
            Interlocked.Exchange(ref _length, size);
        }
        finally
        {
            _data.ExitWriteLock();
        }
        Touch();
        return Errno.Ok;
    }
}
