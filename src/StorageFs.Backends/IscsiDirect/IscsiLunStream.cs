using Serilog;
using StorageFs.Interop;

namespace StorageFs.Backends.IscsiDirect;

/// <summary>
/// One open of an iscsi-direct volume: a seekable stream over the LUN's bytes, as long as the
/// LUN (READ CAPACITY), served from user space by libiscsi sessions of the LUN's
/// <see cref="IscsiLunSessions"/>. Reads and writes move whole blocks (a write covering part of
/// a block reads it first); a write reaching past the end fails with ENOSPC and writes nothing;
/// the length never changes. <see cref="Flush"/> is SYNCHRONIZE CACHE, also sent on dispose
/// after a write. Failures are <see cref="IOException"/>s carrying the errno (EIO, ETIMEDOUT,
/// ENOSPC) and libiscsi's text. One caller at a time per stream (position); several streams
/// of one LUN work at once.
/// </summary>
internal sealed class IscsiLunStream : Stream
{
    private readonly IscsiLunSessions _lun;
    private readonly Action _release;
    private readonly ILogger _log;
    private readonly bool _writable;
    private long _position;
    private bool _dirty;
    private bool _disposed;

    /// <summary>A stream over <paramref name="lun"/>; <paramref name="release"/> runs once on dispose.</summary>
    public IscsiLunStream(IscsiLunSessions lun, bool writable, Action release, ILogger log)
    {
        _lun = lun;
        _writable = writable;
        _release = release;
        _log = log;
    }

    /// <inheritdoc/>
    public override bool CanRead => !_disposed;

    /// <inheritdoc/>
    public override bool CanSeek => !_disposed;

    /// <inheritdoc/>
    public override bool CanWrite => _writable && !_disposed;

    /// <inheritdoc/>
    public override long Length => _lun.Length;

    /// <inheritdoc/>
    public override long Position
    {
        get => _position;
        set => _position = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value));
    }

    /// <inheritdoc/>
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    /// <inheritdoc/>
    public override int Read(Span<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        long length = _lun.Length;
        if (_position >= length || buffer.IsEmpty)
        {
            return 0;
        }
        int total = (int)Math.Min(buffer.Length, length - _position);
        int bs = _lun.BlockSize;
        int done = 0;
        while (done < total)
        {
            long at = _position + done;
            int inBlock = (int)(at % bs);
            int take = Math.Min(total - done, IscsiSession.MaxTransfer - inBlock);
            int bytes = RoundUp(inBlock + take, bs);
            OnSession(new Chunk(buffer.Slice(done, take), default, at / bs, bytes, inBlock, bs), ReadChunk);
            done += take;
        }
        _position += done;
        return done;
    }

    /// <inheritdoc/>
    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    /// <inheritdoc/>
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_writable)
        {
            throw new NotSupportedException("stream is read-only");
        }
        if (_position + buffer.Length > _lun.Length)
        {
            throw new IOException($"No space left on device: {_lun.Address} holds {_lun.Length} bytes", (int)Errno.ENOSPC);
        }
        int bs = _lun.BlockSize;
        int done = 0;
        while (done < buffer.Length)
        {
            long at = _position + done;
            int inBlock = (int)(at % bs);
            int take = Math.Min(buffer.Length - done, IscsiSession.MaxTransfer - inBlock);
            int bytes = RoundUp(inBlock + take, bs);
            _dirty = true;
            OnSession(new Chunk(default, buffer.Slice(done, take), at / bs, bytes, inBlock, bs), WriteChunk);
            done += take;
        }
        _position += done;
    }

    /// <summary>SYNCHRONIZE CACHE: everything written is on the target's media.</summary>
    public override void Flush()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_writable)
        {
            return;
        }
        OnSession(default, static (session, _) => session.Synchronize());
        _dirty = false;
    }

    // One transfer of a Read or Write: the caller's bytes for it (Into for a read, From for a
    // write), its first block, the bytes moved (whole blocks) and where the caller's bytes start
    // in the first block.
    private readonly ref struct Chunk(Span<byte> into, ReadOnlySpan<byte> from, long block, int bytes, int inBlock, int blockSize)
    {
        public Span<byte> Into { get; } = into;

        public ReadOnlySpan<byte> From { get; } = from;

        public long Block { get; } = block;

        public int Bytes { get; } = bytes;

        public int InBlock { get; } = inBlock;

        public int BlockSize { get; } = blockSize;
    }

    private delegate void SessionWork(IscsiSession session, scoped Chunk chunk);

    /// <summary>Runs <paramref name="work"/> on a rented session, and once more on a fresh one
    /// when the rented one turns out stale (<see cref="StaleSession"/>).</summary>
    private void OnSession(scoped Chunk chunk, SessionWork work)
    {
        for (int attempt = 0; ; attempt++)
        {
            var session = _lun.Rent();
            IOException? failure = null;
            try
            {
                work(session, chunk);
                return;
            }
            catch (IOException e)
            {
                failure = e;
                if (attempt == 0 && StaleSession(session, e))
                {
                    continue;
                }
                throw;
            }
            finally
            {
                _lun.Return(session, failure);
            }
        }
    }

    private static void ReadChunk(IscsiSession session, scoped Chunk c)
    {
        session.Read(c.Block, c.Bytes, c.BlockSize);
        session.Buffer.Slice(c.InBlock, c.Into.Length).CopyTo(c.Into);
    }

    // A write covering part of a block reads that block first, under the LUN's edge lock so
    // two writers of one block's halves cannot undo each other.
    private void WriteChunk(IscsiSession session, scoped Chunk c)
    {
        int bs = c.BlockSize;
        int end = c.InBlock + c.From.Length;
        if (c.InBlock == 0 && end % bs == 0)
        {
            c.From.CopyTo(session.Buffer);
            session.Write(c.Block, c.Bytes, bs);
            return;
        }
        lock (_lun.EdgeGate)
        {
            if (c.InBlock != 0)
            {
                session.Read(c.Block, bs, bs);
            }
            if (end % bs != 0 && (c.Bytes > bs || c.InBlock == 0))
            {
                session.Read(c.Block + (c.Bytes / bs) - 1, bs, bs, into: c.Bytes - bs);
            }
            c.From.CopyTo(session.Buffer[c.InBlock..]);
            session.Write(c.Block, c.Bytes, bs);
        }
    }

    /// <inheritdoc/>
    public override long Seek(long offset, SeekOrigin origin)
    {
        Position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            _ => _lun.Length + offset,
        };
        return _position;
    }

    /// <inheritdoc/>
    public override void SetLength(long value) =>
        throw new NotSupportedException("an iSCSI LUN's size is the target's; it cannot change through StorageFs");

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            try
            {
                if (_dirty)
                {
                    Flush();
                }
            }
            catch (IOException e)
            {
                _log.Error("Closing {Lun} after a write: {Error}", _lun.Address.ToString(), e.Message);
            }
            finally
            {
                _disposed = true;
                _release();
            }
        }
        base.Dispose(disposing);
    }

    // A session that waited idle and then found its connection gone (EIO, not a timeout: a
    // silent target must cost one timeout, not two): the command is tried once more on a
    // fresh login. Repeating a READ, WRITE or SYNCHRONIZE CACHE of the same blocks is harmless.
    private bool StaleSession(IscsiSession session, IOException e)
    {
        bool stale = session.Reused && session.Broken && e.HResult == (int)Errno.EIO;
        if (stale)
        {
            _log.Debug("{Lun}: idle session lost ({Error}); logging in again", _lun.Address.ToString(), e.Message);
        }
        return stale;
    }

    private static int RoundUp(int value, int block) => (value + block - 1) / block * block;
}
