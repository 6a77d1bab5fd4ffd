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
            for (int attempt = 0; ; attempt++)
            {
                var session = _lun.Rent();
                IOException? failure = null;
                try
                {
                    session.Read(at / bs, bytes, bs);
                    session.Buffer.Slice(inBlock, take).CopyTo(buffer[done..]);
                    break;
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
            bool partial = inBlock != 0 || (inBlock + take) % bs != 0;
            _dirty = true;
            for (int attempt = 0; ; attempt++)
            {
                var session = _lun.Rent();
                IOException? failure = null;
                try
                {
                    if (partial)
                    {
                        lock (_lun.EdgeGate)
                        {
                            if (inBlock != 0)
                            {
                                session.Read(at / bs, bs, bs);
                            }
                            if ((inBlock + take) % bs != 0 && (bytes > bs || inBlock == 0))
                            {
                                session.Read(at / bs + (bytes / bs) - 1, bs, bs, into: bytes - bs);
                            }
                            buffer.Slice(done, take).CopyTo(session.Buffer[inBlock..]);
                            session.Write(at / bs, bytes, bs);
                        }
                    }
                    else
                    {
                        buffer.Slice(done, take).CopyTo(session.Buffer);
                        session.Write(at / bs, bytes, bs);
                    }
                    break;
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
        for (int attempt = 0; ; attempt++)
        {
            var session = _lun.Rent();
            IOException? failure = null;
            try
            {
                session.Synchronize();
                _dirty = false;
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
