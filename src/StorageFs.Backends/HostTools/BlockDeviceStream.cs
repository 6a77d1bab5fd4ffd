using Microsoft.Win32.SafeHandles;

namespace StorageFs.Backends.HostTools;

/// <summary>
/// A seekable stream over an open block device whose length is the device's size (a device
/// node's st_size is 0, so <see cref="FileStream"/> cannot tell). Writes past the end fail
/// with ENOSPC from the kernel; the length never changes.
/// </summary>
public sealed class BlockDeviceStream : Stream
{
    private readonly SafeFileHandle _handle;
    private readonly bool _writable;
    private readonly long _length;
    private long _position;

    /// <summary>Takes ownership of <paramref name="handle"/>, a device of <paramref name="length"/> bytes.</summary>
    public BlockDeviceStream(SafeFileHandle handle, long length, bool writable)
    {
        _handle = handle;
        _length = length;
        _writable = writable;
    }

    /// <inheritdoc/>
    public override bool CanRead => !_handle.IsClosed;

    /// <inheritdoc/>
    public override bool CanSeek => !_handle.IsClosed;

    /// <inheritdoc/>
    public override bool CanWrite => _writable && !_handle.IsClosed;

    /// <inheritdoc/>
    public override long Length => _length;

    /// <inheritdoc/>
    public override long Position
    {
        get => _position;
        set => _position = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value));
    }

    /// <summary>Writes go straight to the device (pwrite); flushing makes them durable (fdatasync).</summary>
    public override void Flush()
    {
        if (_writable && !_handle.IsClosed)
        {
            LocalNative.DataSync(_handle, "block device");
        }
    }

    /// <inheritdoc/>
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    /// <inheritdoc/>
    public override int Read(Span<byte> buffer)
    {
        if (_position >= _length)
        {
            return 0;
        }
        var want = buffer[..(int)Math.Min(buffer.Length, _length - _position)];
        int n = RandomAccess.Read(_handle, want, _position);
        _position += n;
        return n;
    }

    /// <inheritdoc/>
    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    /// <inheritdoc/>
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (!_writable)
        {
            throw new NotSupportedException("stream is read-only");
        }
        if (_position + buffer.Length > _length)
        {
            throw new IOException("No space left on device", 28);
        }
        RandomAccess.Write(_handle, buffer, _position);
        _position += buffer.Length;
    }

    /// <inheritdoc/>
    public override long Seek(long offset, SeekOrigin origin)
    {
        Position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            _ => _length + offset,
        };
        return _position;
    }

    /// <inheritdoc/>
    public override void SetLength(long value) => throw new NotSupportedException("a block device cannot change its size");

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing && !_handle.IsClosed)
        {
            try
            {
                Flush();
            }
            finally
            {
                _handle.Dispose();
            }
        }
        base.Dispose(disposing);
    }
}
