namespace StorageFs.Fuse.Nodes;

/// <summary>
/// An inode of the mounted tree. The layer above subclasses it and opts into operations by
/// implementing the small <c>INode*</c> interfaces (go-fuse's fs package is the model).
/// The engine owns the node id, the kernel's lookup count and the passthrough backing id:
/// a node is known to the kernel exactly while its lookup count is above zero.
/// </summary>
public abstract class Node
{
    // Engine-owned state, guarded by the NodeTable's lock.
    internal ulong IdValue;
    internal long Lookups;

    // The inode number the engine reports when Ino is 0: given once (the first node id, or a
    // number from the same counter when a listing shows the node first) and kept for the node's
    // lifetime, so st_ino and d_ino do not change when the kernel forgets the node and looks
    // it up again under a new node id.
    internal ulong InoValue;

    // Passthrough backing shared by every open of this node (the kernel refuses a second,
    // different backing file on one inode with EBUSY: fs/fuse/iomode.c). Made on the first open
    // that may use passthrough: most nodes (directories, control files) never need it, and a
    // tree of a million nodes should not carry a million of them.
    private PassthroughBacking? _backing;

    internal PassthroughBacking Backing =>
        Volatile.Read(ref _backing) ?? Interlocked.CompareExchange(ref _backing, new PassthroughBacking(), null) ?? _backing!;

    /// <summary>The FUSE node id while the kernel knows this node, else 0.</summary>
    public ulong NodeId => Volatile.Read(ref IdValue);

    /// <summary>
    /// The inode number reported in attributes and directory entries; 0 (the default) lets the
    /// engine number the node once and keep that number (see <c>InoValue</c>).
    /// </summary>
    public virtual ulong Ino => 0;

    /// <summary>How long the kernel may cache this node's name; null uses the server default.</summary>
    public virtual TimeSpan? EntryTimeout => null;

    /// <summary>How long the kernel may cache this node's attributes; null uses the server default.</summary>
    public virtual TimeSpan? AttrTimeout => null;

    /// <summary>Fills in the attributes. <see cref="FuseAttr.Ino"/> is preset; leave it alone.</summary>
    public abstract Errno GetAttr(RequestContext ctx, ref FuseAttr attr);
}

/// <summary>A node's passthrough backing: its id while open, and how many opens share it (under <see cref="Gate"/>).</summary>
internal sealed class PassthroughBacking
{
    public Lock Gate { get; } = new();

    public int Id { get; set; }

    public int Refs { get; set; }
}
