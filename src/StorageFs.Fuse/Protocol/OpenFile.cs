using StorageFs.Fuse.Nodes;

namespace StorageFs.Fuse.Protocol;

/// <summary>What the engine remembers of an open file: its node, its handle, whether it holds a share of the node's passthrough backing, and the uid it is counted under.</summary>
internal sealed class OpenFile(Node node, FileHandle handle, bool passthrough, uint uid)
{
    public uint Uid { get; } = uid;

    public Node Node { get; } = node;

    public FileHandle Handle { get; } = handle;

    public bool Passthrough { get; } = passthrough;
}
