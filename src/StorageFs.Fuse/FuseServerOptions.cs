using StorageFs.Fuse.Nodes;

namespace StorageFs.Fuse;

/// <summary>How a filesystem is mounted and served. Defaults suit a tree of synthetic files.</summary>
public sealed class FuseServerOptions
{
    /// <summary>Shown as the mount's source in /proc/mounts.</summary>
    public string FsName { get; init; } = "storagefs";

    /// <summary>Mount type is <c>fuse.&lt;Subtype&gt;</c>.</summary>
    public string Subtype { get; init; } = "storagefs";

    /// <summary>Let users other than the mounter in (needs user_allow_other in /etc/fuse.conf for non-root).</summary>
    public bool AllowOther { get; init; }

    /// <summary>Let the kernel check permissions against the modes we report.</summary>
    public bool DefaultPermissions { get; init; } = true;

    public bool ReadOnly { get; init; }

    /// <summary>Largest WRITE (and READ) payload; at least 1 MiB is what the kernel's max_pages allows best.</summary>
    public int MaxWrite { get; init; } = 1 << 20;

    public TimeSpan EntryTimeout { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan AttrTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a "no such name" may be cached; zero disables negative entries.</summary>
    public TimeSpan NegativeTimeout { get; init; } = TimeSpan.Zero;

    /// <summary>Ask for FUSE passthrough (kernel ≥ 6.9, CAP_SYS_ADMIN); falls back silently when refused.</summary>
    public bool EnablePassthrough { get; init; } = true;

    /// <summary>
    /// Serve POSIX, OFD and flock locks (FUSE_POSIX_LOCKS, FUSE_FLOCK_LOCKS) instead of leaving
    /// them to the kernel's local lock tables: a handle's <c>Locks</c> says whether they are
    /// kept on its host file (seen by the host's lockers) or in the daemon.
    /// </summary>
    public bool Locks { get; init; } = true;

    /// <summary>
    /// Let the kernel keep symlink targets in its page cache (FUSE_CACHE_SYMLINKS): a link read
    /// again costs no READLINK. The kernel keeps a target for as long as it keeps the inode:
    /// changed attributes do not drop it (fs/fuse/inode.c fuse_change_attributes_i invalidates
    /// pages of regular files only), <see cref="Notifier.InvalidateInode"/> does. A link whose
    /// target changes is best served by a new node (see <see cref="INodeReadlink"/>).
    /// </summary>
    public bool CacheSymlinks { get; init; } = true;

    /// <summary>Answer directory listings with READDIRPLUS (names plus attributes).</summary>
    public bool ReaddirPlus { get; init; } = true;

    /// <summary>
    /// With <see cref="ReaddirPlus"/>: let the kernel choose per call (FUSE_READDIRPLUS_AUTO,
    /// fs/fuse/readdir.c fuse_use_readdirplus): the first batch of a listing is READDIRPLUS, later
    /// batches only when the caller stat()ed the entries already returned, so a bare <c>ls</c>
    /// gets plain READDIR (several times fewer bytes and no inode per name).
    /// </summary>
    public bool ReaddirPlusAuto { get; init; } = true;

    /// <summary>
    /// Let the kernel keep a large directory's listing in its page cache (FOPEN_CACHE_DIR) and
    /// serve the next <c>ls</c> from there while the directory lists the same entries: OPENDIR
    /// still asks the node for its listing and answers FOPEN_KEEP_CACHE only when that listing is
    /// the one the kernel's cache was filled from (see <c>ListingCache</c>). Directories of fewer
    /// than <see cref="CachedListingMinEntries"/> entries are listed afresh every time.
    /// </summary>
    public bool CacheListings { get; init; } = true;

    /// <summary>The smallest listing <see cref="CacheListings"/> applies to: a small directory's
    /// READDIRPLUS carries its entries' attributes, which a cached listing would not refresh.</summary>
    public int CachedListingMinEntries { get; init; } = 512;

    /// <summary>Reader threads started at mount; more start (up to <see cref="MaxReaders"/>) while all are busy.</summary>
    public int MinReaders { get; init; } = 2;

    public int MaxReaders { get; init; } = 16;

    /// <summary>
    /// FUSE over io_uring after INIT (<see cref="UringMode"/>): one ring per CPU, each request
    /// handled on its queue's thread. Auto uses it when the kernel offers it.
    /// </summary>
    public UringMode Uring { get; init; } = UringMode.Auto;

    /// <summary>Entries each ring queue keeps registered (requests the kernel can hand over at once per CPU).</summary>
    public int UringEntriesPerQueue { get; init; } = 8;

    /// <summary>
    /// Open file and directory handles one uid other than root may hold at once; beyond it
    /// OPEN, OPENDIR and CREATE answer EMFILE to that uid alone. 0: no limit.
    /// </summary>
    public int MaxHandlesPerUid { get; init; }

    /// <summary>Handles all uids other than root may hold together (root's headroom); beyond it ENFILE. 0: no limit.</summary>
    public int MaxHandlesOthers { get; init; }

    /// <summary>Handles everyone, root included, may hold (the process's descriptors' headroom); beyond it ENFILE. 0: no limit.</summary>
    public int MaxHandles { get; init; }

    /// <summary>Told of every open refused by those limits, on the reader thread (the layer above records it).</summary>
    public Action<RequestContext, HandleRefusal>? HandleRefused { get; init; }

    /// <summary>
    /// Requests one uid may have parked at once (a blocked read of an events file, a job wait, a
    /// blocking lock); beyond it that user's next one fails with EAGAIN. A parked request costs
    /// about 100 bytes plus what its handler keeps, so the default bounds a user to a few hundred KiB.
    /// </summary>
    public int MaxParkedPerUid { get; init; } = 1024;
}
