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
}
