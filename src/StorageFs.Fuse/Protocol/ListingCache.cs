using StorageFs.Fuse.Nodes;

namespace StorageFs.Fuse.Protocol;

/// <summary>
/// What the kernel may hold of one directory's listing in its readdir cache (FOPEN_CACHE_DIR,
/// fs/fuse/readdir.c). The kernel fills that cache from the READDIR replies of handles opened
/// with FOPEN_CACHE_DIR and serves later listings from it; an OPENDIR answered without
/// FOPEN_KEEP_CACHE drops it (fuse_dir_open invalidates the directory's pages). The engine gives
/// FOPEN_KEEP_CACHE only when the listing taken at this OPENDIR has the digest of the one every
/// cache-filling handle since the last drop was opened on; while a handle of an older listing is
/// still open (it could still add its entries), a new listing is served uncached and the next
/// open drops the cache. The first listing the kernel reads through an inode is not cached:
/// filling the cache costs the reader a page lookup per entry in the kernel (about 0.1 ms per
/// 1,000 entries), which only a second listing pays back, and a directory listed once after the
/// kernel (re)learned it (<c>ls</c> after its caches were dropped) is the common cold case; the
/// engine calls <see cref="Forgotten"/> when the kernel forgets the directory's inode, whose
/// successor starts with an empty cache. Its own lock; one per directory
/// listed with at least <see cref="FuseServerOptions.CachedListingMinEntries"/> entries,
/// beside the node.
/// </summary>
internal sealed class ListingCache
{
    private readonly Lock _gate = new();
    private ListingSnapshot? _snapshot;
    private bool _listed;
    private ulong _digest;
    private bool _known;
    private int _open;

    /// <summary>The FOPEN_* flags for a handle opened on a listing whose digest <paramref name="digestOf"/> gives;
    /// <paramref name="counted"/> when the handle must give its place back at RELEASEDIR (<see cref="Closed"/>).</summary>
    public OpenReplyFlags Opened<TState>(TState state, Func<TState, ulong> digestOf, out bool counted)
    {
        lock (_gate)
        {
            if (!_listed)
            {
                // The first listing through this inode: it holds nothing yet. Listed uncached.
                _listed = true;
                counted = false;
                return OpenReplyFlags.None;
            }
            counted = true;
            ulong digest = digestOf(state); // not for a first listing, which needs none
            if (_known && _digest == digest)
            {
                _open++;
                return OpenReplyFlags.CacheDir | OpenReplyFlags.KeepCache;
            }
            if (_open == 0)
            {
                // Without KEEP_CACHE the kernel drops what it held: this listing starts it afresh.
                _known = true;
                _digest = digest;
                _open++;
                return OpenReplyFlags.CacheDir;
            }
            // A handle on another listing may still be filling the cache: serve this one
            // uncached, and make the next open drop whatever the cache then holds.
            _known = false;
            counted = false;
            return OpenReplyFlags.None;
        }
    }

    /// <summary>A cache-filling handle listed afresh (rewinddir): what the kernel caches from it
    /// may differ from the digest it was opened on, so the next open drops the cache.</summary>
    public void Unsettle()
    {
        lock (_gate)
            _known = false;
    }

    /// <summary>The kernel forgot the directory's inode (its lookups reached 0): the next one it
    /// makes starts with an empty cache, and its first listing is served uncached again. (Every
    /// handle of the old inode was released before.)</summary>
    public void Forgotten()
    {
        lock (_gate)
        {
            _listed = false;
            _known = false;
        }
    }

    /// <summary>The directory's last large numbered listing, which the next OPENDIR of the same
    /// number copies (kept across <see cref="Forgotten"/>: it is the node's listing, not the kernel's).</summary>
    public ListingSnapshot? Snapshot
    {
        get => Volatile.Read(ref _snapshot);
        set => Volatile.Write(ref _snapshot, value);
    }

    /// <summary>A handle opened with FOPEN_CACHE_DIR is released.</summary>
    public void Closed()
    {
        lock (_gate)
            _open--;
    }

    /// <summary>
    /// A digest of what READDIR serves from <paramref name="entries"/> (names, types and inode
    /// numbers, "." and ".." left out): two <see cref="HashCode"/>s, one over each name's string
    /// hash and one over its characters, both seeded at random per process, so that no one can
    /// make two listings that collide on purpose.
    /// </summary>
    public static ulong Digest(ReadOnlySpan<DirEntry> entries, Func<DirEntry, ulong> ino)
    {
        var a = new HashCode();
        var b = new HashCode();
        b.Add(0x5bd1e995);
        for (int i = 2; i < entries.Length; i++)
        {
            DirEntry e = entries[i];
            ulong number = ino(e);
            a.Add(e.Name);
            a.Add(e.Mode >> 12);
            a.Add(number);
            b.Add(number);
            b.Add(e.Name.Length);
            b.AddBytes(MemoryMarshal.AsBytes(e.Name.AsSpan()));
        }
        return ((ulong)(uint)a.ToHashCode() << 32) | (uint)b.ToHashCode();
    }
}
