using StorageFs.Fuse.Nodes;

namespace StorageFs.Fuse.Protocol;

/// <summary>
/// An open directory: a snapshot of its entries taken at OPENDIR (and again on rewind), so a
/// listing read in several READDIR calls is consistent. Entry i has offset i + 1; entries 0 and
/// 1 are "." and "..". Guarded by its own lock: one descriptor may be read from two threads.
/// </summary>
internal sealed class DirHandle(Node dir)
{
    public Node Dir { get; } = dir;

    public List<DirEntry> Entries { get; } = [];

    public bool Served { get; set; }

    public Lock Gate { get; } = new();
}
