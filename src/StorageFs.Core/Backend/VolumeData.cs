using Microsoft.Win32.SafeHandles;

namespace StorageFs.Core.Backend;

/// <summary>
/// A volume's bytes as a backend's <see cref="IPoolBackend.OpenVolume"/> hands them over: the
/// host descriptor the backend opened and checked (a regular file opened without following a
/// link out of the pool, a device node), or a stream where no single descriptor holds the bytes
/// as they are shown. Whoever serves the data serves this very descriptor; nothing re-opens the
/// volume by path. The owner disposes it, or takes the descriptor or the stream out of it.
/// </summary>
public sealed class VolumeData : IDisposable
{
    private readonly Func<SafeFileHandle, Stream>? _toStream;
    private SafeFileHandle? _descriptor;
    private Stream? _stream;
    private IVolumeIo? _io;

    private VolumeData(SafeFileHandle? descriptor, Stream? stream, bool writable, long length, Func<SafeFileHandle, Stream>? toStream,
        IVolumeIo? io = null)
    {
        _descriptor = descriptor;
        _stream = stream;
        _io = io;
        Writable = writable;
        Length = length;
        _toStream = toStream;
    }

    /// <summary>
    /// Data held by <paramref name="descriptor"/> (ownership passes to the new instance):
    /// <paramref name="length"/> bytes as stored at open (a device's size, a file's st_size);
    /// <paramref name="toStream"/> makes a stream that owns the descriptor, for callers that
    /// want one (uploads and downloads through the driver's API).
    /// </summary>
    public static VolumeData FromDescriptor(SafeFileHandle descriptor, bool writable, long length, Func<SafeFileHandle, Stream> toStream)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        ArgumentNullException.ThrowIfNull(toStream);
        return new VolumeData(descriptor, null, writable, length, toStream);
    }

    /// <summary>Data only a stream serves (ownership passes to the new instance).</summary>
    public static VolumeData FromStream(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return new VolumeData(null, stream, stream.CanWrite, stream.CanSeek ? stream.Length : 0, null);
    }

    /// <summary>
    /// Data served by positional calls that may run at once (<see cref="IVolumeIo"/>: an image
    /// reached through a user-space library); ownership passes to the new instance. Whoever
    /// serves files takes it (<see cref="TakeIo"/>); the driver's API users get a stream over it.
    /// </summary>
    public static VolumeData FromIo(IVolumeIo io)
    {
        ArgumentNullException.ThrowIfNull(io);
        return new VolumeData(null, null, io.Writable, io.Length, null, io);
    }

    /// <summary>True while the data is an <see cref="IVolumeIo"/> not yet taken.</summary>
    public bool HasIo => Volatile.Read(ref _io) is not null;

    /// <summary>Takes the positional data; the caller owns it from now on.</summary>
    /// <exception cref="InvalidOperationException">No such data (a descriptor or stream, or taken already).</exception>
    public IVolumeIo TakeIo() =>
        Interlocked.Exchange(ref _io, null) ?? throw new InvalidOperationException("the volume data holds no positional data");

    /// <summary>True while the data is a host descriptor not yet taken.</summary>
    public bool HasDescriptor => _descriptor is not null;

    /// <summary>Whether the descriptor or stream accepts writes.</summary>
    public bool Writable { get; }

    /// <summary>The bytes the volume held when it was opened.</summary>
    public long Length { get; }

    /// <summary>Takes the descriptor; the caller owns it from now on.</summary>
    /// <exception cref="InvalidOperationException">No descriptor (stream data, or taken already).</exception>
    public SafeFileHandle TakeDescriptor() =>
        Interlocked.Exchange(ref _descriptor, null) ?? throw new InvalidOperationException("the volume data holds no descriptor");

    /// <summary>The data as a stream, made from the descriptor on first use; it stays owned by
    /// this instance.</summary>
    public Stream AsStream()
    {
        if (_stream is null && Interlocked.Exchange(ref _io, null) is { } io)
        {
            _stream = new VolumeIoStream(io);
        }
        if (_stream is null && Interlocked.Exchange(ref _descriptor, null) is { } descriptor)
        {
            try
            {
                _stream = _toStream!(descriptor);
            }
            catch
            {
                descriptor.Dispose();
                throw;
            }
        }
        return _stream ?? throw new ObjectDisposedException(nameof(VolumeData));
    }

    /// <summary>Closes whatever is still owned.</summary>
    public void Dispose()
    {
        Interlocked.Exchange(ref _descriptor, null)?.Dispose();
        Interlocked.Exchange(ref _stream, null)?.Dispose();
        Interlocked.Exchange(ref _io, null)?.Dispose();
    }
}
