using StorageFs.Fuse.Nodes;

namespace StorageFs.Vfs.Tests;

/// <summary>Records the late replies of parked requests (what the engine would write to /dev/fuse).</summary>
internal sealed class RecordingSink : IParkedReplySink
{
    private readonly List<(ulong Unique, int Error, byte[] Body)> _replies = [];

    public IReadOnlyList<(ulong Unique, int Error, byte[] Body)> Replies
    {
        get
        {
            lock (_replies)
                return [.. _replies];
        }
    }

    public void Send(ulong unique, int error, ReadOnlySpan<byte> body)
    {
        lock (_replies)
            _replies.Add((unique, error, body.ToArray()));
    }
}
