namespace StorageFs.Fuse.Nodes;

/// <summary>
/// A node whose fixed children the engine keeps as numbered slots of it rather than as objects
/// of their own (a kind of directory there are a million of, each with a few children the kernel
/// looks up: a volume's <c>vol/V/</c>). The node is numbered with a block of
/// 1 + <see cref="SlotCount"/> numbers, child <c>i</c> being the node's number + 1 + <c>i</c>;
/// the engine's table holds the node itself for each number of the block the kernel knows, and
/// asks <see cref="Slot"/> for a child whenever a request names one. The kernel's lookups of the
/// node and of its children are counted together on the node — a child's dentry pins its
/// parent's, so the kernel never forgets the node before its children — and every number of the
/// block leaves the table when that count reaches zero. A child's number is kept for the node's
/// lifetime, as every node's is. The engine keeps nothing per child: a child is never served by
/// passthrough (that needs one backing per inode for every open), and a child that is a
/// directory has no listing cache. A node with slots must not end when forgotten.
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
