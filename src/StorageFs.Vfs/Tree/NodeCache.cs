namespace StorageFs.Vfs.Tree;

/// <summary>
/// One node per name for as long as the object exists, so the kernel's inode, our
/// notifications and passthrough backing ids all refer to the same node.
/// </summary>
internal sealed class NodeCache<T>
    where T : Node
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, T> _nodes = new(StringComparer.Ordinal);

    public T Get(string name, Func<string, T> make)
    {
        lock (_gate)
        {
            if (!_nodes.TryGetValue(name, out var n))
                _nodes[name] = n = make(name);
            return n;
        }
    }

    public T? Peek(string name)
    {
        lock (_gate)
            return _nodes.GetValueOrDefault(name);
    }

    public T? Remove(string name)
    {
        lock (_gate)
            return _nodes.Remove(name, out var n) ? n : null;
    }
}
