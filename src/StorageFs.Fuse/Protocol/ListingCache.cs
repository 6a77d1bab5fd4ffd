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
/// kernel (re)learned it (<c>ls</c> after its caches were dropped) is the common cold case. A
/// new node id means a new inode, whose cache starts empty. Its own lock; one per directory
/// listed with at least <see cref="FuseServerOptions.CachedListingMinEntries"/> entries,
/// beside the node.
/// </summary>
internal sealed class ListingCache
{
    private readonly Lock _gate = new();
    private ulong _nodeId;
    private ulong _digest;
    private bool _known;
    private int _open;

    /// <summary>The FOPEN_* flags for a handle opened through node id <paramref name="nodeId"/> on a listing of digest <paramref name="digest"/>;
    /// <paramref name="counted"/> when the handle must give its place back at RELEASEDIR (<see cref="Closed"/>).</summary>
    public OpenReplyFlags Opened(ulong nodeId, ulong digest, out bool counted)
    {
        lock (_gate)
        {
            if (nodeId != _nodeId)
            {
                // The kernel's inode is new (node ids are never reused): it holds nothing yet,
                // and no handle of the old one is open. Listed once without caching.
                _nodeId = nodeId;
                _known = false;
                _open = 0;
                counted = false;
                return OpenReplyFlags.None;
            }
            counted = true;
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
    public static ulong Digest(List<DirEntry> entries, Func<DirEntry, ulong> ino)
    {
        var a = new HashCode();
        var b = new HashCode();
        b.Add(0x5bd1e995);
        for (int i = 2; i < entries.Count; i++)
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
