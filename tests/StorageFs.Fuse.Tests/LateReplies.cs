namespace StorageFs.Fuse.Tests;

/// <summary>Records late replies as the bytes the device would get (fuse_out_header + body).</summary>
internal sealed class LateReplies : IParkedReplySink
{
    private readonly List<Reply> _replies = [];

    public IReadOnlyList<Reply> All
    {
        get
        {
            lock (_replies)
                return [.. _replies];
        }
    }

    public void Send(ulong unique, int error, ReadOnlySpan<byte> body)
    {
        var raw = new byte[16 + body.Length];
        MemoryMarshal.Write(raw, new Wire.FuseOutHeader { Len = (uint)raw.Length, Error = error, Unique = unique });
        body.CopyTo(raw.AsSpan(16));
        lock (_replies)
            _replies.Add(new Reply(raw, raw.Length));
    }
}
