namespace StorageFs.Core.Backend;

/// <summary>
/// The end of one asynchronous <see cref="IVolumeIo"/> request: exactly one of its two members is
/// called, once, on whichever thread finished the request (a librbd completion thread), so it
/// must answer and return without blocking or calling back into the volume's synchronous members.
/// </summary>
public abstract class VolumeIoCompletion
{
    /// <summary>The request succeeded: <paramref name="count"/> bytes read or written (0 for a
    /// flush or discard); for a read, <paramref name="data"/> holds them and is valid only
    /// during the call.</summary>
    public abstract void Completed(int count, ReadOnlySpan<byte> data);

    /// <summary>The request failed: an <see cref="IOException"/> whose HResult is the errno.</summary>
    public abstract void Failed(IOException error);
}
