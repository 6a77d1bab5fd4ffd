namespace StorageFs.Fuse.Tests;

/// <summary>The device side for protocol tests: records notifications and backing registrations.</summary>
internal sealed class RecordingChannel : IFuseChannel
{
    private int _nextBacking = 7;

    public List<byte[]> Sent { get; } = [];

    public List<int> OpenedFds { get; } = [];

    public List<int> Closed { get; } = [];

    public Errno RefuseBacking { get; set; } = Errno.Ok;

    public Errno Send(ReadOnlySpan<byte> message)
    {
        lock (Sent)
            Sent.Add(message.ToArray());
        return Errno.Ok;
    }

    public Errno BackingOpen(int fd, out int backingId)
    {
        backingId = 0;
        if (RefuseBacking != Errno.Ok)
            return RefuseBacking;
        OpenedFds.Add(fd);
        backingId = _nextBacking++;
        return Errno.Ok;
    }

    public Errno BackingClose(int backingId)
    {
        Closed.Add(backingId);
        return Errno.Ok;
    }
}
