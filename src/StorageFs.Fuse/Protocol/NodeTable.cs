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
/// one long-lived node left on each page, is 2 KiB a node. A node's slots
/// (<see cref="INodeSlots"/>) have no entry: a slot's id carries its parent's number and its
/// index (<see cref="SlotId"/>), and its lookups are counted on the parent.
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

    // A slot's id (INodeSlots): bit 63, then its parent's number, then its index in SlotBits
    // bits. No other number has bit 63 (the engine counts up from 2; a node's own Ino leaves it
    // clear), so a slot needs no entry of its own: its id names its parent's.
    private const ulong SlotTag = 1UL << 63;
    private const int SlotBits = 4;
    internal const int MaxSlots = 1 << SlotBits;

    internal static ulong SlotId(ulong parentNumber, int index) => SlotTag | parentNumber << SlotBits | (uint)index;

    // The id whose entry holds the node: a slot's parent's.
    private static ulong HolderOf(ulong nodeId) => (nodeId & SlotTag) == 0 ? nodeId : (nodeId & ~SlotTag) >> SlotBits;

    /// <summary>The node with id <paramref name="nodeId"/>; a slot's (<see cref="INodeSlots"/>) made afresh by its parent.</summary>
    public Node? Get(ulong nodeId)
    {
        Node? held = Held(nodeId);
        if (held is null || (nodeId & SlotTag) == 0)
            return held;
        int index = (int)(nodeId & (MaxSlots - 1));
        return held is INodeSlots slots && index < slots.SlotCount ? slots.Slot(index) : null;
    }

    /// <summary>What the table holds for <paramref name="nodeId"/>: the node, or for a slot's id its parent (whose lookup count is the slot's).</summary>
    public Node? Held(ulong nodeId)
    {
        ulong at = HolderOf(nodeId);
        lock (_gate)
            return _pages.TryGetValue(at >> PageShift, out var page) ? page.Slots[at & SlotMask] : null;
    }

    /// <summary>Counts one kernel lookup on <paramref name="node"/>, giving it an id if it has none; 0 (nothing counted) for a node that has ended.
    /// A slot's lookup is counted on its parent.</summary>
    public ulong AddLookup(Node node)
    {
        int index = -1;
        if (node is INodeSlot slot)
        {
            index = slot.SlotIndex;
            node = slot.SlotParent;
            if (node is not INodeSlots slots || (uint)index >= (uint)Math.Min(slots.SlotCount, MaxSlots))
                throw new InvalidOperationException($"{slot.GetType().Name} names slot {index} of a {node.GetType().Name}, which has no such slot");
        }
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
            return index < 0 ? node.Number : SlotId(node.Number, index);
        }
    }

    /// <summary>
    /// The inode number to report for <paramref name="node"/>: its own <see cref="Node.Ino"/>,
    /// else the number the engine gave it, given now if it has none (numbers come from the node
    /// id counter, so they never collide with each other; a node numbered here keeps the number
    /// as its id when it is looked up). A slot's is its id (<see cref="SlotId"/>).
    /// </summary>
    public ulong InoOf(Node node)
    {
        if (node.Ino != 0)
            return node.Ino;
        if (node is INodeSlot slot)
            return SlotId(NumberOf(slot.SlotParent), slot.SlotIndex);
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
                node.Number = _nextId++;
            return node.Number;
        }
    }

    public void Forget(ulong nodeId, ulong count)
    {
        Node? ended = null;
        ulong at = HolderOf(nodeId);
        lock (_gate)
        {
            if (at == Wire.RootId || !_pages.TryGetValue(at >> PageShift, out var page) || page.Slots[at & SlotMask] is not { } node)
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
                page.Slots[at & SlotMask] = null;
                _count--;
                if (--page.Used == 0)
                    _pages.Remove(at >> PageShift);
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
