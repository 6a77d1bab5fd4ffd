namespace StorageFs.Core.Backend;

/// <summary>
/// An <see cref="IVolumeIo"/> as a seekable stream, for the driver's API users (uploads and
/// downloads) that want one; it owns the data and disposes it. One caller at a time (position).
/// A write past the end grows the volume, as the data does; <see cref="Flush"/> settles it.
/// </summary>
internal sealed class VolumeIoStream(IVolumeIo io) : Stream
{
    private long _position;
    private bool _disposed;

    public override bool CanRead => !_disposed;

    public override bool CanSeek => !_disposed;

    public override bool CanWrite => !_disposed && io.Writable;

    public override long Length => io.Length;

    public override long Position
    {
        get => _position;
        set => _position = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value));
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        int n = io.Read(_position, buffer);
        _position += n;
        return n;
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        io.Write(_position, buffer);
        _position += buffer.Length;
    }

    public override void Flush()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (io.Writable)
        {
            io.Settle();
        }
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        Position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            _ => io.Length + offset,
        };
        return _position;
    }

    public override void SetLength(long value) => io.SetLength(value);

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            io.Dispose();
        }
        base.Dispose(disposing);
    }
}
