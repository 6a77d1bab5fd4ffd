using StorageFs.Fuse.Nodes;

namespace StorageFs.Fuse.Protocol;

/// <summary>
/// The bridge between kernel node ids and <see cref="Node"/> objects. Invariant: a node is in
/// the table exactly while the kernel holds lookups on it (LOOKUP, CREATE, MKDIR… add one;
/// FORGET subtracts). A node's id is its number (<c>Node.Number</c>), given once from one
/// counter and kept: a node forgotten and looked up again gets the same id back, and no other
/// node ever gets it, so generation stays constant (the kernel's fuse_iget finds the same
/// inode, or a new one for it once the old is evicted). The root is id 1 and is never forgotten.
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
        root.Number = Wire.RootId;
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
            if (node.Lookups == 0)
            {
                if (node.Number == 0)
                    node.Number = _nextId++;
                Put(node.Number, node);
            }
            Volatile.Write(ref node.Lookups, node.Lookups + 1);
            return node.Number;
        }
    }

    /// <summary>
    /// The inode number to report for <paramref name="node"/>: its own <see cref="Node.Ino"/>,
    /// else the number the engine gave it, given now if it has none (numbers come from the node
    /// id counter, so they never collide with each other; a node numbered here keeps the number
    /// as its id when it is looked up).
    /// </summary>
    public ulong InoOf(Node node)
    {
        if (node.Ino != 0)
            return node.Ino;
        ulong ino = Volatile.Read(ref node.Number);
        if (ino != 0)
            return ino;
        lock (_gate)
        {
            if (node.Number == 0)
                node.Number = _nextId++;
            return node.Number;
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
