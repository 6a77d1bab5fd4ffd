namespace StorageFs.Vfs.Tree;

/// <summary>
/// One node per name for as long as the object exists, so the kernel's inode, our
/// notifications and passthrough backing ids all refer to the same node.
/// </summary>
internal sealed class NodeCache<T> : NodeCache<string, T>
    where T : Node
{
}

/// <summary><see cref="NodeCache{T}"/> under any key (a (pool, volume) pair costs no string).</summary>
internal class NodeCache<TKey, T>
    where TKey : notnull
    where T : Node
{
    private readonly Lock _gate = new();
    private readonly Dictionary<TKey, T> _nodes = new();

    public T Get(TKey name, Func<TKey, T> make)
    {
        lock (_gate)
        {
            if (!_nodes.TryGetValue(name, out var n))
                _nodes[name] = n = make(name);
            return n;
        }
    }

    /// <summary>Puts <paramref name="node"/> in place of whatever <paramref name="name"/> had.</summary>
    public void Replace(TKey name, T node)
    {
        lock (_gate)
            _nodes[name] = node;
    }

    /// <summary>Makes room for <paramref name="count"/> nodes in one step (a table grown one
    /// insert at a time ends up to twice what it holds: about 25 bytes a volume).</summary>
    public void EnsureCapacity(int count)
    {
        lock (_gate)
            _nodes.EnsureCapacity(count);
    }

    public T? Peek(TKey name)
    {
        lock (_gate)
            return _nodes.GetValueOrDefault(name);
    }

    public T? Remove(TKey name)
    {
        lock (_gate)
            return _nodes.Remove(name, out var n) ? n : null;
    }

    public void RemoveWhere(Func<TKey, bool> match)
    {
        lock (_gate)
        {
            foreach (var key in _nodes.Keys.Where(match).ToList())
                _nodes.Remove(key);
        }
    }
}
