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
/// one long-lived node left on each page, is 2 KiB a node. A node with slots
/// (<see cref="INodeSlots"/>) is held for each of its slots' ids the kernel knows, not a child
/// object: the table costs the same, the children's objects are gone.
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

    /// <summary>The node with id <paramref name="nodeId"/>; a slot's (<see cref="INodeSlots"/>) made afresh by its parent.</summary>
    public Node? Get(ulong nodeId)
    {
        Node? held = Held(nodeId);
        return held is null || held.Number == nodeId ? held : ((INodeSlots)held).Slot((int)(nodeId - held.Number - 1));
    }

    /// <summary>What the table holds for <paramref name="nodeId"/>: the node, or for a slot's id its parent (whose lookup count is the slot's).</summary>
    public Node? Held(ulong nodeId)
    {
        lock (_gate)
            return _pages.TryGetValue(nodeId >> PageShift, out var page) ? page.Slots[nodeId & SlotMask] : null;
    }

    /// <summary>Counts one kernel lookup on <paramref name="node"/>, giving it an id if it has none; 0 (nothing counted) for a node that has ended.</summary>
    public ulong AddLookup(Node node)
    {
        if (node is INodeSlot slot)
            return AddSlotLookup(slot);
        lock (_gate)
        {
            if (node.Lookups == Node.Ended)
                return 0;
            if (node.Lookups == 0)
            {
                if (node.Number == 0)
                    GiveNumber(node);
                Put(node.Number, node);
            }
            Volatile.Write(ref node.Lookups, node.Lookups + 1);
            return node.Number;
        }
    }

    // A slot's lookup is counted on its parent, whose table entry the slot's id gets.
    private ulong AddSlotLookup(INodeSlot slot)
    {
        Node parent = slot.SlotParent;
        int index = slot.SlotIndex;
        if (parent is not INodeSlots slots || (uint)index >= (uint)slots.SlotCount)
            throw new InvalidOperationException($"{slot.GetType().Name} names slot {index} of a {parent.GetType().Name}, which has no such slot");
        lock (_gate)
        {
            if (parent.Lookups == Node.Ended)
                return 0;
            if (parent.Number == 0)
                GiveNumber(parent);
            ulong id = parent.Number + 1 + (ulong)index;
            if (!Holds(id, parent))
                Put(id, parent);
            Volatile.Write(ref parent.Lookups, parent.Lookups + 1);
            return id;
        }
    }

    /// <summary>
    /// The inode number to report for <paramref name="node"/>: its own <see cref="Node.Ino"/>,
    /// else the number the engine gave it, given now if it has none (numbers come from the node
    /// id counter, so they never collide with each other; a node numbered here keeps the number
    /// as its id when it is looked up). A slot's is its parent's number + 1 + its index.
    /// </summary>
    public ulong InoOf(Node node)
    {
        if (node.Ino != 0)
            return node.Ino;
        if (node is INodeSlot slot)
            return NumberOf(slot.SlotParent) + 1 + (ulong)slot.SlotIndex;
        return NumberOf(node);
    }

    private ulong NumberOf(Node node)
    {
        ulong number = Volatile.Read(ref node.Number);
        if (number != 0)
            return number;
        lock (_gate)
        {
            if (node.Number == 0)
                GiveNumber(node);
            return node.Number;
        }
    }

    // Under the gate: the next number, and for a node with slots the block after it.
    private void GiveNumber(Node node)
    {
        Volatile.Write(ref node.Number, _nextId);
        _nextId += 1 + (node is INodeSlots slots ? (ulong)slots.SlotCount : 0);
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
                if (node is INodeSlots slots)
                {
                    // The node and its slots share the count: every id of the block goes.
                    for (ulong id = node.Number, end = node.Number + 1 + (ulong)slots.SlotCount; id < end; id++)
                    {
                        if (Holds(id, node))
                            Remove(id);
                    }
                }
                else
                {
                    Remove(nodeId);
                }
                if (node.EndsWhenForgotten)
                    ended = node;
            }
        }
        ended?.Forgotten();
    }

    // Under the gate.
    private bool Holds(ulong nodeId, Node node) =>
        _pages.TryGetValue(nodeId >> PageShift, out var page) && ReferenceEquals(page.Slots[nodeId & SlotMask], node);

    // Under the gate; the id is in the table.
    private void Remove(ulong nodeId)
    {
        var page = _pages[nodeId >> PageShift];
        page.Slots[nodeId & SlotMask] = null;
        _count--;
        if (--page.Used == 0)
            _pages.Remove(nodeId >> PageShift);
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
