using StorageFs.Fuse.Nodes;

namespace StorageFs.Fuse.Protocol;

/// <summary>What the engine remembers of an open file: its node, its handle, and whether it holds a share of the node's passthrough backing.</summary>
internal sealed class OpenFile(Node node, FileHandle handle, bool passthrough)
{
    public Node Node { get; } = node;

    public FileHandle Handle { get; } = handle;

    public bool Passthrough { get; } = passthrough;
}
