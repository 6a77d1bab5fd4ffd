namespace StorageFs.Fuse.Nodes;

/// <summary>
/// An inode of the mounted tree. The layer above subclasses it and opts into operations by
/// implementing the small <c>INode*</c> interfaces (go-fuse's fs package is the model).
/// The engine owns the node id, the kernel's lookup count and the passthrough backing id:
/// a node is known to the kernel exactly while its lookup count is above zero.
/// </summary>
public abstract class Node
{
    // Passthrough backings, beside their nodes (see Backing).
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Node, PassthroughBacking> Backings = new();

    // Engine-owned state, guarded by the NodeTable's lock.

    // The node's number, given once (at its first lookup, or when a listing shows it first) from
    // the engine's one counter and kept for the node's lifetime: its node id whenever the kernel
    // knows it (a node forgotten and looked up again gets the same id back) and the inode number
    // reported when Ino is 0, so st_ino and d_ino never change. (One field for both: an id and an
    // inode number of their own made every node 8 bytes larger, 8 MiB per million nodes.)
    internal ulong Number;

    // The kernel's lookup count: the node is in the engine's table exactly while it is above
    // zero. Ended (negative) once a node whose EndsWhenForgotten is true has been forgotten: the
    // engine never counts a lookup on it again. (One field for both: a bool of its own made every
    // node 8 bytes larger.)
    internal long Lookups;

    internal const long Ended = -1;

    // Passthrough backing shared by every open of this node (the kernel refuses a second,
    // different backing file on one inode with EBUSY: fs/fuse/iomode.c). Made on the first open
    // that may use passthrough and kept beside the node for its lifetime, not in it: most nodes
    // (directories, control files) never need one, and a field of its own made each of a
    // million nodes 8 bytes larger. The table's lookup is one per open.
    internal PassthroughBacking Backing => Backings.GetValue(this, static _ => new PassthroughBacking());

    /// <summary>
    /// The FUSE node id while the kernel knows this node, else 0. A slot's (<see cref="INodeSlot"/>)
    /// while the kernel knows its parent or one of the parent's slots (they share one count).
    /// </summary>
    public ulong NodeId => this is INodeSlot slot
        ? slot.SlotParent.NodeId is var parent and not 0 ? Protocol.NodeTable.SlotId(parent, slot.SlotIndex) : 0
        : Volatile.Read(ref Lookups) > 0 ? Volatile.Read(ref Number) : 0;

    /// <summary>
    /// The inode number reported in attributes and directory entries; 0 (the default) lets the
    /// engine number the node once and keep that number (see <c>Number</c>). Bit 63 must be
    /// clear: the engine's slot ids have it (<see cref="INodeSlots"/>).
    /// </summary>
    public virtual ulong Ino => 0;

    /// <summary>How long the kernel may cache this node's name; null uses the server default.</summary>
    public virtual TimeSpan? EntryTimeout => null;

    /// <summary>How long the kernel may cache this node's attributes; null uses the server default.</summary>
    public virtual TimeSpan? AttrTimeout => null;

    /// <summary>
    /// For a directory: which entries that come without their node the first READDIRPLUS of a
    /// listing looks up, to give the kernel their attributes (<see cref="ListedAttributes.All"/>,
    /// the default). The others go by name only (node id 0, which the kernel takes as "no
    /// attributes", fs/fuse/readdir.c): the kernel sends READDIRPLUS for a listing's first reply
    /// whoever reads (FUSE_READDIRPLUS_AUTO), later ones only once the reader looked names up
    /// (<c>ls -l</c>), which still get attributes. For a directory whose children cost a lookup
    /// and a host stat each to make, where a names-only reader (<c>ls</c>, a shell glob) is common.
    /// </summary>
    public virtual ListedAttributes ListsAttributes => ListedAttributes.All;

    /// <summary>Fills in the attributes. <see cref="FuseAttr.Ino"/> is preset; leave it alone.</summary>
    public abstract Errno GetAttr(RequestContext ctx, ref FuseAttr attr);

    /// <summary>
    /// GETATTR naming an open file (FUSE_GETATTR_FH: the kernel sends it when it has one, e.g.
    /// for lseek SEEK_END): <paramref name="handle"/> is that open's handle, so a node can answer
    /// from the open descriptor even once the file has no name. Default: as <see cref="GetAttr(RequestContext, ref FuseAttr)"/>.
    /// </summary>
    public virtual Errno GetAttr(RequestContext ctx, FileHandle handle, ref FuseAttr attr) => GetAttr(ctx, ref attr);

    /// <summary>
    /// True for a node that holds something of its own (a host descriptor) to let go when the
    /// kernel forgets it. Once its lookup count reaches zero the engine calls
    /// <see cref="Forgotten"/> and never hands this node to the kernel again: a LOOKUP that
    /// returns it is asked once more (the layer above then makes a new node), and
    /// <see cref="IsEnded"/> tells the layer above not to return it.
    /// </summary>
    protected internal virtual bool EndsWhenForgotten => false;

    /// <summary>Whether the kernel forgot this node and it ended (only nodes with <see cref="EndsWhenForgotten"/>).</summary>
    public bool IsEnded => Volatile.Read(ref Lookups) == Ended;

    /// <summary>Called once, outside the engine's locks, when a node with <see cref="EndsWhenForgotten"/> has been forgotten.</summary>
    protected internal virtual void Forgotten()
    {
    }
}

/// <summary>A node's passthrough backing: its id while open, and how many opens share it (under <see cref="Gate"/>).</summary>
internal sealed class PassthroughBacking
{
    public Lock Gate { get; } = new();

    public int Id { get; set; }

    public int Refs { get; set; }
}
