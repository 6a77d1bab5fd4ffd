namespace StorageFs.Fuse.Nodes;

/// <summary>
/// A node whose fixed children the engine keeps as slots of it rather than as objects of their
/// own (a kind of directory there are a million of, each with a few children the kernel looks
/// up: a volume's <c>vol/V/</c>). A child's node id, which is also its inode number, is made of
/// the node's number and the child's index (bit 63 set, so no other number meets it), so it
/// needs no entry in the engine's table: a request naming it finds the node and asks
/// <see cref="Slot"/> for the child. The kernel's lookups of the node and of its children are
/// counted together on the node — a child's dentry pins its parent's, so the kernel never
/// forgets the node before its children — and the node leaves the table when that count
/// reaches zero. A child's number is kept for the node's lifetime, as every node's is. The
/// engine keeps nothing per child: a child is never served by passthrough (that needs one
/// backing per inode for every open), and a child that is a directory has no listing cache.
/// At most 16 children; a node with slots must not end when forgotten.
/// </summary>
public interface INodeSlots
{
    /// <summary>How many children; fixed for the node's lifetime.</summary>
    int SlotCount { get; }

    /// <summary>Child <paramref name="index"/> (0 ≤ index &lt; <see cref="SlotCount"/>), made afresh: an <see cref="INodeSlot"/> naming this node and that index.</summary>
    Node Slot(int index);
}

/// <summary>A child kept as a slot of its parent (<see cref="INodeSlots"/>): an object made for a request, not held.</summary>
public interface INodeSlot
{
    /// <summary>The node holding this child; it implements <see cref="INodeSlots"/>.</summary>
    Node SlotParent { get; }

    /// <summary>Which child of <see cref="SlotParent"/> this is.</summary>
    int SlotIndex { get; }
}
