namespace StorageFs.Backends.Files;

/// <summary>A stream that runs an action once after the wrapped stream is closed (used to
/// rebuild a ploop descriptor when an upload finishes).</summary>
internal sealed class AfterCloseStream(Stream inner, Action afterClose) : Stream
{
    private Action? _afterClose = afterClose;

    public override bool CanRead => inner.CanRead;

    public override bool CanSeek => inner.CanSeek;

    public override bool CanWrite => inner.CanWrite;

    public override long Length => inner.Length;

    public override long Position { get => inner.Position; set => inner.Position = value; }

    public override void Flush() => inner.Flush();

    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

    public override int Read(Span<byte> buffer) => inner.Read(buffer);

    public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);

    public override void SetLength(long value) => inner.SetLength(value);

    public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);

    public override void Write(ReadOnlySpan<byte> buffer) => inner.Write(buffer);

    protected override void Dispose(bool disposing)
    {
        if (disposing && Interlocked.Exchange(ref _afterClose, null) is { } action)
        {
            try
            {
                inner.Dispose();
            }
            finally
            {
                action();
            }
        }
        base.Dispose(disposing);
    }
}
