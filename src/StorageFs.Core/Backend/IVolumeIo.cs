namespace StorageFs.Core.Backend;

/// <summary>
/// A volume's bytes served by positional calls from user space, where no host descriptor holds
/// them (an rbd image through librbd): what <see cref="VolumeData.FromIo"/> carries. Unlike a
/// stream it has no position and every member may run on several threads at once. Where
/// <see cref="Asynchronous"/> is true the tree starts reads, writes, flushes and discards with
/// the <c>…Async</c> members (also a growing write, ZERO_RANGE and a growing truncate) and answers the request from the completion, so no reader thread
/// waits on the volume and many requests are in flight; else each request is served on the
/// reader thread that took it, with the request's own buffer. Failures are <see cref="IOException"/>s whose HResult is the errno to answer
/// (else EIO), their message recorded in <c>errors</c>.
/// </summary>
public interface IVolumeIo : IDisposable
{
    /// <summary>The volume's size now (it changes when a write or <see cref="SetLength"/> grows it).</summary>
    long Length { get; }

    /// <summary>Whether writes are accepted.</summary>
    bool Writable { get; }

    /// <summary>Reads at <paramref name="offset"/> into <paramref name="buffer"/>; fewer bytes
    /// (0 at or past the end) only at the end.</summary>
    int Read(long offset, Span<byte> buffer);

    /// <summary>Writes all of <paramref name="data"/> at <paramref name="offset"/>, growing the
    /// volume when the write reaches past its end (as a regular file grows).</summary>
    void Write(long offset, ReadOnlySpan<byte> data);

    /// <summary>Makes every completed write durable (fsync).</summary>
    void Flush();

    /// <summary>Whether the <c>…Async</c> members start requests without waiting for them.</summary>
    bool Asynchronous => false;

    /// <summary>Starts a read of up to <paramref name="count"/> bytes at <paramref name="offset"/>
    /// (fewer only at the end); <paramref name="done"/> gets the bytes. The default reads now.</summary>
    void ReadAsync(long offset, int count, VolumeIoCompletion done)
    {
        ArgumentNullException.ThrowIfNull(done);
        var buffer = new byte[count];
        int n;
        try
        {
            n = Read(offset, buffer);
        }
        catch (IOException e)
        {
            done.Failed(e);
            return;
        }
        done.Completed(n, buffer.AsSpan(0, n));
    }

    /// <summary>Starts a write of all of <paramref name="data"/> at <paramref name="offset"/>,
    /// growing the volume as <see cref="Write"/> does; <paramref name="data"/> is consumed
    /// before the call returns (the caller may reuse it), <paramref name="done"/> is called
    /// when the write is complete. The default writes now.</summary>
    void WriteAsync(long offset, ReadOnlySpan<byte> data, VolumeIoCompletion done)
    {
        ArgumentNullException.ThrowIfNull(done);
        try
        {
            Write(offset, data);
        }
        catch (IOException e)
        {
            done.Failed(e);
            return;
        }
        done.Completed(data.Length, default);
    }

    /// <summary>Starts a <see cref="Flush"/>. The default flushes now.</summary>
    void FlushAsync(VolumeIoCompletion done)
    {
        ArgumentNullException.ThrowIfNull(done);
        try
        {
            Flush();
        }
        catch (IOException e)
        {
            done.Failed(e);
            return;
        }
        done.Completed(0, default);
    }

    /// <summary>Starts a <see cref="Discard"/>. The default discards now.</summary>
    void DiscardAsync(long offset, long length, VolumeIoCompletion done)
    {
        ArgumentNullException.ThrowIfNull(done);
        try
        {
            Discard(offset, length);
        }
        catch (IOException e)
        {
            done.Failed(e);
            return;
        }
        done.Completed(0, default);
    }

    /// <summary>Starts a <see cref="WriteZeroes"/>, growing the volume to
    /// <paramref name="offset"/> + <paramref name="length"/> first when that is past its end
    /// (fallocate ZERO_RANGE without KEEP_SIZE). The default does both now.</summary>
    void WriteZeroesAsync(long offset, long length, VolumeIoCompletion done)
    {
        ArgumentNullException.ThrowIfNull(done);
        try
        {
            if (offset + length > Length)
            {
                SetLength(offset + length);
            }
            WriteZeroes(offset, length);
        }
        catch (IOException e)
        {
            done.Failed(e);
            return;
        }
        done.Completed(0, default);
    }

    /// <summary>Starts a <see cref="SetLength"/> (growing only). The default grows now.</summary>
    void SetLengthAsync(long length, VolumeIoCompletion done)
    {
        ArgumentNullException.ThrowIfNull(done);
        try
        {
            SetLength(length);
        }
        catch (IOException e)
        {
            done.Failed(e);
            return;
        }
        done.Completed(0, default);
    }

    /// <summary>The close of a written file (FLUSH): whatever growth was provisional is settled
    /// so that <see cref="Length"/> is the end of the bytes written, and writes are durable.</summary>
    void Settle();

    /// <summary>Deallocates <paramref name="length"/> bytes at <paramref name="offset"/>; they
    /// read as zeros afterwards (fallocate PUNCH_HOLE).</summary>
    void Discard(long offset, long length);

    /// <summary>Makes <paramref name="length"/> bytes at <paramref name="offset"/> read as zeros
    /// (fallocate ZERO_RANGE).</summary>
    void WriteZeroes(long offset, long length);

    /// <summary>Sets the size (truncate); only growing is asked of it by the tree.</summary>
    void SetLength(long length);

    /// <summary>The first offset at or after <paramref name="offset"/> that holds data, or -1
    /// when none does before the end (SEEK_DATA; ENXIO).</summary>
    long NextData(long offset);

    /// <summary>The first offset at or after <paramref name="offset"/> inside a hole, the end
    /// counting as one (SEEK_HOLE).</summary>
    long NextHole(long offset);
}
