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
                _nodes[node.IdValue] = node;
            }
            node.Lookups++;
            return node.IdValue;
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
