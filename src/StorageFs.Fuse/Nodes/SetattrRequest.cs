namespace StorageFs.Fuse.Nodes;

/// <summary>What a SETATTR asks to change; only the fields named in <see cref="Valid"/> count.</summary>
public readonly record struct SetattrRequest(
    SetattrValid Valid,
    ulong Size,
    uint Mode,
    uint Uid,
    uint Gid,
    DateTimeOffset Atime,
    DateTimeOffset Mtime)
{
    public bool Has(SetattrValid field) => (Valid & field) != 0;

    /// <summary>The atime exactly as the kernel sent it (seconds, nanoseconds), when one was sent; <see cref="Atime"/> keeps only 100 ns ticks.</summary>
    public (long Seconds, uint Nanoseconds)? AtimeExact { get; init; }

    /// <summary>The mtime exactly as the kernel sent it (seconds, nanoseconds), when one was sent.</summary>
    public (long Seconds, uint Nanoseconds)? MtimeExact { get; init; }
}
