using System.Runtime.InteropServices;
using StorageFs.Core.Backend;

namespace StorageFs.Backends.Rbd;

/// <summary>The asynchronous members of <see cref="RbdImageIo"/>: each starts a librbd request
/// (or queues it in the gate behind a resize, or until the open completes) and returns.</summary>
internal sealed partial class RbdImageIo
{
    public bool Asynchronous => true;

    public void ReadAsync(long offset, int count, VolumeIoCompletion done)
    {
        if (_opening.Opened is null)
        {
            _opening.WhenOpen(_ => Guard(done, () => ReadAsync(offset, count, done)), done.Failed);
            return;
        }
        if (_gate.TryEnter())
        {
            StartRead(offset, count, done);
        }
        else
        {
            _gate.Enter(() => StartRead(offset, count, done));
        }
    }

    // Inside the gate (shared, owed by the request from here on), the image open.
    private void StartRead(long offset, int count, VolumeIoCompletion done)
    {
        long length = Volatile.Read(ref _length);
        if (offset >= length || count <= 0)
        {
            _gate.Exit();
            done.Completed(0, default);
            return;
        }
        int n = (int)Math.Min(count, length - offset);
        var aio = new RbdAio(_gate, done, "read", _name, offset, n, PinnedBuffers.Rent(n), _log);
        var completion = aio.CreateCompletion();
        if (completion != IntPtr.Zero)
        {
            aio.Submitted(LibRbd.rbd_aio_read2(_opening.Opened!.Handle, (ulong)offset, (nuint)n, aio.BufferAddress, completion, 0), completion);
        }
    }

    public void WriteAsync(long offset, ReadOnlySpan<byte> data, VolumeIoCompletion done)
    {
        if (data.IsEmpty)
        {
            done.Completed(0, default);
            return;
        }
        if (_opening.Opened is null)
        {
            // The request's buffer is reused once this returns: keep a copy until the open.
            byte[] copy = data.ToArray();
            _opening.WhenOpen(_ => Guard(done, () => WriteAsync(offset, copy, done)), done.Failed);
            return;
        }
        long end = offset + data.Length;
        if (end > Volatile.Read(ref _size))
        {
            // The resize runs off this thread (it waits on the cluster, and for the requests in
            // flight): the bytes are kept until the write is submitted right after it.
            byte[] copy = data.ToArray();
            _gate.EnterExclusive(() => Resized(done, end, ahead: true, then: () => StartWrite(offset, copy, done)));
        }
        else if (_gate.TryEnter())
        {
            StartWrite(offset, data, done);
        }
        else
        {
            byte[] copy = data.ToArray();
            _gate.Enter(() => StartWrite(offset, copy, done));
        }
    }

    // Inside the gate (shared, owed by the request from here on), the image open and big enough.
    private void StartWrite(long offset, ReadOnlySpan<byte> data, VolumeIoCompletion done)
    {
        // The file's size includes a write once it is started (as a page cache write), and
        // before the gate is left, so a settle never cuts below a write in flight.
        Extend(offset + data.Length);
        var aio = new RbdAio(_gate, done, "write", _name, offset, data.Length, null, _log);
        var completion = aio.CreateCompletion();
        if (completion != IntPtr.Zero)
        {
            aio.Submitted(LibRbd.rbd_aio_write2(_opening.Opened!.Handle, (ulong)offset, (nuint)data.Length,
                ref MemoryMarshal.GetReference(data), completion, 0), completion);
        }
    }

    public void FlushAsync(VolumeIoCompletion done)
    {
        if (_opening.Opened is null)
        {
            _opening.WhenOpen(_ => Guard(done, () => FlushAsync(done)), done.Failed);
            return;
        }
        if (_gate.TryEnter())
        {
            StartFlush(done);
        }
        else
        {
            _gate.Enter(() => StartFlush(done));
        }
    }

    private void StartFlush(VolumeIoCompletion done)
    {
        var aio = new RbdAio(_gate, done, "flush", _name, 0, 0, null, _log);
        var completion = aio.CreateCompletion();
        if (completion != IntPtr.Zero)
        {
            aio.Submitted(LibRbd.rbd_aio_flush(_opening.Opened!.Handle, completion), completion);
        }
    }

    public void DiscardAsync(long offset, long length, VolumeIoCompletion done)
    {
        if (_opening.Opened is null)
        {
            _opening.WhenOpen(_ => Guard(done, () => DiscardAsync(offset, length, done)), done.Failed);
            return;
        }
        if (_gate.TryEnter())
        {
            StartDiscard(offset, length, done);
        }
        else
        {
            _gate.Enter(() => StartDiscard(offset, length, done));
        }
    }

    private void StartDiscard(long offset, long length, VolumeIoCompletion done)
    {
        var aio = new RbdAio(_gate, done, "discard", _name, offset, length, null, _log);
        var completion = aio.CreateCompletion();
        if (completion != IntPtr.Zero)
        {
            aio.Submitted(LibRbd.rbd_aio_discard(_opening.Opened!.Handle, (ulong)offset, (ulong)length, completion), completion);
        }
    }

    public void WriteZeroesAsync(long offset, long length, VolumeIoCompletion done)
    {
        if (_opening.Opened is null)
        {
            _opening.WhenOpen(_ => Guard(done, () => WriteZeroesAsync(offset, length, done)), done.Failed);
            return;
        }
        if (length <= 0)
        {
            done.Completed(0, default);
            return;
        }
        long end = offset + length;
        if (end > Volatile.Read(ref _size))
        {
            _gate.EnterExclusive(() => Resized(done, end, ahead: false, then: () => StartZeroes(offset, length, done)));
        }
        else if (_gate.TryEnter())
        {
            StartZeroes(offset, length, done);
        }
        else
        {
            _gate.Enter(() => StartZeroes(offset, length, done));
        }
    }

    // Inside the gate (shared, owed from here on): zeroes in pieces of at most 1 GiB, each
    // started by the previous one's completion (one librbd request in flight for the range).
    private void StartZeroes(long offset, long length, VolumeIoCompletion done)
    {
        Extend(offset + length);
        long n = Math.Min(length, Step);
        var rest = n == length ? done : new ThenZeroes(this, offset + n, length - n, done);
        var aio = new RbdAio(_gate, rest, "zeroing", _name, offset, n, null, _log);
        var completion = aio.CreateCompletion();
        if (completion != IntPtr.Zero)
        {
            aio.Submitted(LibRbd.rbd_aio_write_zeroes(_opening.Opened!.Handle, (ulong)offset, (nuint)n, completion, 0, 0), completion);
        }
    }

    /// <summary>The completion of one piece of a long ZERO_RANGE: starts the next piece.</summary>
    private sealed class ThenZeroes(RbdImageIo io, long offset, long length, VolumeIoCompletion done) : VolumeIoCompletion
    {
        public override void Completed(int count, ReadOnlySpan<byte> data) => io._gate.Enter(() => io.StartZeroes(offset, length, done));

        public override void Failed(IOException error) => done.Failed(error);
    }

    public void SetLengthAsync(long length, VolumeIoCompletion done)
    {
        if (_opening.Opened is null)
        {
            _opening.WhenOpen(_ => Guard(done, () => SetLengthAsync(length, done)), done.Failed);
            return;
        }
        if (length <= Volatile.Read(ref _length))
        {
            done.Completed(0, default);
            return;
        }
        _gate.EnterExclusive(() => Resized(done, length, ahead: false, then: null));
    }

    // Inside the gate (exclusive, on a pool thread): grows the image to at least end (ahead: in
    // steps, for a write), makes end part of the file, leaves the gate and then runs then (in the
    // gate, shared: nothing resizes between) or, without it, completes. Never throws.
    private void Resized(VolumeIoCompletion done, long end, bool ahead, Action? then)
    {
        try
        {
            Resize(end, ahead);
            Extend(end);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            _gate.ExitExclusive();
            done.Failed(e as IOException ?? new IOException($"RBD image '{_name}' was closed", 9));
            return;
        }
        if (then is null)
        {
            _gate.ExitExclusive();
            done.Completed(0, default);
            return;
        }
        _gate.ExitExclusive(stayShared: true);
        then();
    }

    // Raises the file's size to end (never lowers it).
    private void Extend(long end)
    {
        long seen;
        while (end > (seen = Volatile.Read(ref _length)) && Interlocked.CompareExchange(ref _length, end, seen) != seen)
        {
        }
    }

    // A request started once the open completed, on the thread pool: one closed meanwhile
    // (RELEASE after an interrupted request) fails it instead of the process.
    private void Guard(VolumeIoCompletion done, Action start)
    {
        try
        {
            start();
        }
        catch (ObjectDisposedException)
        {
            done.Failed(new IOException($"RBD image '{_name}' was closed", 9));
        }
    }
}
