namespace StorageFs.Fuse.Nodes;

/// <summary>
/// One row of a directory listing. <paramref name="Mode"/> needs only the file type bits.
/// Giving <paramref name="Node"/> lets READDIRPLUS answer without a second lookup.
/// </summary>
public readonly record struct DirEntry(string Name, uint Mode, Node? Node = null, ulong Ino = 0);
