namespace StorageFs.Core.Backend;

/// <summary>A stream that passes every call to the wrapped stream and, disposed (once), closes
/// it and then runs an action: the driver ends a volume's lease that way
/// (<c>OpenedVolume.AsStream</c>), the ploop backend rebuilds its descriptor after an upload.</summary>
public sealed class AfterCloseStream(Stream inner, Action afterClose) : Stream
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
