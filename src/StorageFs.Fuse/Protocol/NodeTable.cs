using StorageFs.Fuse.Nodes;

namespace StorageFs.Fuse.Protocol;

/// <summary>
/// The bridge between kernel node ids and <see cref="Node"/> objects. Invariant: a node is in
/// the table exactly while the kernel holds lookups on it (LOOKUP, CREATE, MKDIR… add one;
/// FORGET subtracts); node ids are never reused, so generation stays constant. The root is
/// id 1 and is never forgotten.
/// Ids are handed out in order, so the table is pages of 256 slots indexed by id (8 bytes a
/// node, where a hash table costs 28), and a page goes once its last node is forgotten: a
/// mount the kernel knows a million nodes of carries 8 MiB of table, not 32. The worst case,
/// one long-lived node left on each page, is 2 KiB a node.
/// </summary>
internal sealed class NodeTable
{
    private readonly Lock _gate = new();
    private const int PageShift = 8;
    private const ulong SlotMask = (1UL << PageShift) - 1;

    private readonly Dictionary<ulong, Page> _pages = [];
    private ulong _nextId = Wire.RootId + 1;
    private int _count;

    public NodeTable(Node root)
    {
        Root = root;
        root.IdValue = Wire.RootId;
        root.InoValue = Wire.RootId;
        root.Lookups = 1;
        Put(Wire.RootId, root);
    }

    public Node Root { get; }

    public int Count
    {
        get
        {
            lock (_gate)
                return _count;
        }
    }

    public Node? Get(ulong nodeId)
    {
        lock (_gate)
            return _pages.TryGetValue(nodeId >> PageShift, out var page) ? page.Slots[nodeId & SlotMask] : null;
    }

    /// <summary>Counts one kernel lookup on <paramref name="node"/>, giving it an id if it has none; 0 (nothing counted) for a node that has ended.</summary>
    public ulong AddLookup(Node node)
    {
        lock (_gate)
        {
            if (node.Lookups == Node.Ended)
                return 0;
            if (node.IdValue == 0)
            {
                node.IdValue = _nextId++;
                if (node.InoValue == 0)
                    node.InoValue = node.IdValue;
                Put(node.IdValue, node);
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
        Node? ended = null;
        lock (_gate)
        {
            if (nodeId == Wire.RootId || !_pages.TryGetValue(nodeId >> PageShift, out var page) || page.Slots[nodeId & SlotMask] is not { } node)
                return;
            // Into a local first: a lookup count passing through -1 would read as Ended outside the lock.
            long left = node.Lookups - (long)Math.Min(count, (ulong)long.MaxValue);
            if (left > 0)
            {
                node.Lookups = left;
            }
            else
            {
                Volatile.Write(ref node.Lookups, node.EndsWhenForgotten ? Node.Ended : 0);
                page.Slots[nodeId & SlotMask] = null;
                _count--;
                if (--page.Used == 0)
                    _pages.Remove(nodeId >> PageShift);
                Volatile.Write(ref node.IdValue, 0);
                if (node.EndsWhenForgotten)
                    ended = node;
            }
        }
        ended?.Forgotten();
    }

    // Under the gate.
    private void Put(ulong nodeId, Node node)
    {
        if (!_pages.TryGetValue(nodeId >> PageShift, out var page))
            _pages[nodeId >> PageShift] = page = new Page();
        page.Slots[nodeId & SlotMask] = node;
        page.Used++;
        _count++;
    }

    private sealed class Page
    {
        public readonly Node?[] Slots = new Node?[1 << PageShift];
        public int Used;
    }
}
