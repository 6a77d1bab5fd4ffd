using StorageFs.Fuse.Nodes;

namespace StorageFs.Fuse.Protocol;

/// <summary>
/// The bridge between kernel node ids and <see cref="Node"/> objects. Invariant: a node is in
/// the table exactly while the kernel holds lookups on it (LOOKUP, CREATE, MKDIR… add one;
/// FORGET subtracts); node ids are never reused, so generation stays constant. The root is
/// id 1 and is never forgotten.
/// </summary>
internal sealed class NodeTable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<ulong, Node> _nodes = [];
    private ulong _nextId = Wire.RootId + 1;

    public NodeTable(Node root)
    {
        Root = root;
        root.IdValue = Wire.RootId;
        root.InoValue = Wire.RootId;
        root.Lookups = 1;
        _nodes[Wire.RootId] = root;
    }

    public Node Root { get; }

    public int Count
    {
        get
        {
            lock (_gate)
                return _nodes.Count;
        }
    }

    public Node? Get(ulong nodeId)
    {
        lock (_gate)
            return _nodes.GetValueOrDefault(nodeId);
    }

    /// <summary>Counts one kernel lookup on <paramref name="node"/>, giving it an id if it has none.</summary>
    public ulong AddLookup(Node node)
    {
        lock (_gate)
        {
            if (node.IdValue == 0)
            {
                node.IdValue = _nextId++;
                if (node.InoValue == 0)
                    node.InoValue = node.IdValue;
                _nodes[node.IdValue] = node;
            }
            node.Lookups++;
            return node.IdValue;
        }
    }

    /// <summary>
    /// The inode number to report for <paramref name="node"/>: its own <see cref="Node.Ino"/>,
    /// else the number the engine gave it, given now if it has none (numbers come from the node
    /// id counter, so they never collide with each other).
    /// </summary>
    public ulong InoOf(Node node)
    {
        if (node.Ino != 0)
            return node.Ino;
        ulong ino = Volatile.Read(ref node.InoValue);
        if (ino != 0)
            return ino;
        lock (_gate)
        {
            if (node.InoValue == 0)
                node.InoValue = node.IdValue != 0 ? node.IdValue : _nextId++;
            return node.InoValue;
        }
    }

    public void Forget(ulong nodeId, ulong count)
    {
        lock (_gate)
        {
            if (nodeId == Wire.RootId || !_nodes.TryGetValue(nodeId, out var node))
                return;
            node.Lookups -= (long)Math.Min(count, (ulong)long.MaxValue);
            if (node.Lookups <= 0)
            {
                node.Lookups = 0;
                _nodes.Remove(nodeId);
                Volatile.Write(ref node.IdValue, 0);
            }
        }
    }
}
