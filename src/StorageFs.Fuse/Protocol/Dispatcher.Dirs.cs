using System.Text;
using StorageFs.Fuse.Nodes;

namespace StorageFs.Fuse.Protocol;

// Directory handles and the READDIR / READDIRPLUS record packing.
internal sealed partial class Dispatcher
{
    private const uint S_IFDIR = 0x4000;
    private static readonly int EntryOutSize = Unsafe.SizeOf<Wire.FuseEntryOut>();

    internal Errno Opendir(in Request r, Span<byte> reply, out int length)
    {
        length = 0;
        Errno err = Resolve(r.NodeId, out Node? node);
        if (err != Errno.Ok)
            return err;
        err = TakeHandle(r.Context, "opendir", node!, null);
        if (err != Errno.Ok)
            return err;
        var dir = DirHandle.Rent(node!);
        dir.Uid = r.Context.Uid;
        try
        {
            err = Snapshot(dir, r.Context);
        }
        catch
        {
            _quota.Give(dir.Uid);
            throw;
        }
        if (err != Errno.Ok)
        {
            _quota.Give(dir.Uid);
            dir.Return();
            return err;
        }
        ref var o = ref Out<Wire.FuseOpenOut>(reply);
        o.OpenFlags = (uint)CacheListing(dir);
        o.Fh = _dirs.Add(dir);
        length = Unsafe.SizeOf<Wire.FuseOpenOut>();
        return Errno.Ok;
    }

    private Errno Snapshot(DirHandle dir, RequestContext ctx)
    {
        dir.Entries.Clear();
        ulong self = _nodes.InoOf(dir.Dir);
        dir.Entries.Add(new DirEntry(".", S_IFDIR, null, self));
        dir.Entries.Add(new DirEntry("..", S_IFDIR, null, 0));
        ulong version = 0;
        dir.Shared = null;
        Errno err;
        if (dir.Dir is INodeVersionedReadDir numbered)
        {
            ListingCache? cache = null;
            if (Volatile.Read(ref _listingsMade))
                _listings.TryGetValue(dir.Dir, out cache);
            ListingSnapshot? kept = cache?.Snapshot;
            err = numbered.ReadDir(ctx, dir.Entries, kept?.Version ?? 0, out version);
            if (err == Errno.Ok && kept is not null && version == kept.Version && dir.Entries.Count == 2)
            {
                // Still the listing kept: its entries, "." and ".." included, and its packed records,
                // served from its own array.
                dir.Entries.Clear();
                dir.Shared = kept;
            }
            else if (err == Errno.Ok && version != 0 && dir.Entries.Count >= _options.CachedListingMinEntries + 2)
            {
                var made = new ListingSnapshot(version, dir.Entries.ToArray());
                (cache ?? _listings.GetValue(dir.Dir, static _ => new ListingCache())).Snapshot = made;
                Volatile.Write(ref _listingsMade, true);
                dir.Shared = made;
            }
            else if (err == Errno.Ok && cache is not null)
            {
                cache.Snapshot = null; // a smaller listing now: the old copy would never be served again
            }
        }
        else
        {
            err = dir.Dir is INodeReadDir lister ? lister.ReadDir(ctx, dir.Entries) : Errno.Ok;
        }
        dir.Version = version;
        dir.Served = false;
        return err;
    }

    /// <summary>
    /// FOPEN_CACHE_DIR (and FOPEN_KEEP_CACHE when the kernel's cache holds this very listing)
    /// for a directory of at least <see cref="FuseServerOptions.CachedListingMinEntries"/> entries:
    /// its next <c>ls</c> is served from the kernel's page cache, with an OPENDIR and a RELEASEDIR.
    /// </summary>
    private OpenReplyFlags CacheListing(DirHandle dir)
    {
        if (!_options.CacheListings || dir.Listed.Length < _options.CachedListingMinEntries + 2)
            return OpenReplyFlags.None;
        // A numbered listing needs no digest (hashing 10,000 names cost more than the OPENDIR did).
        ListingCache cache = _listings.GetValue(dir.Dir, static _ => new ListingCache());
        Volatile.Write(ref _listingsMade, true);
        OpenReplyFlags flags = cache.Opened((Dispatcher: this, Dir: dir),
            static s => s.Dir.Version != 0 ? s.Dir.Version : ListingCache.Digest(s.Dir.Listed, s.Dispatcher.ServedIno), out bool counted);
        dir.Cache = counted ? cache : null;
        return flags;
    }

    /// <summary>The inode number a plain READDIR gives <paramref name="e"/>: never 0, which
    /// readdir callers take as a deleted entry.</summary>
    private ulong ServedIno(DirEntry e) =>
        e.Ino != 0 ? e.Ino : e.Node is { } n ? _nodes.InoOf(n) : ulong.MaxValue;

    private Func<DirEntry, ulong>? _servedInoOf;

    private Func<DirEntry, ulong> ServedInoOf => _servedInoOf ??= ServedIno;

    internal Errno Readdir(in Request r, Span<byte> reply, bool plus, out int length)
    {
        length = 0;
        var i = r.Read<Wire.FuseReadIn>();
        DirHandle? dir = _dirs.Get(i.Fh);
        if (dir is null)
        {
            _log.Warning("READDIR on unknown directory handle {Fh}", i.Fh);
            return Errno.EBADF;
        }
        Span<byte> outBuf = reply[..(int)Math.Min(i.Size, (uint)reply.Length)];
        lock (dir.Gate)
        {
            if (i.Offset == 0 && dir.Served)
            {
                Errno err = Snapshot(dir, r.Context); // rewinddir: list afresh
                dir.Cache?.Unsettle(); // the kernel may cache this listing, whatever it is now
                if (err != Errno.Ok)
                    return err;
            }
            dir.Served = true;
            if (!plus && dir.Shared is { } shared)
            {
                // A large numbered listing: its records were packed once, a reply is a slice.
                length = shared.Plain(ServedInoOf).CopyFrom((long)Math.Min(i.Offset, (ulong)shared.Entries.Length), outBuf);
                return Errno.Ok;
            }
            ReadOnlySpan<DirEntry> entries = dir.Listed;
            ListedAttributes listed = i.Offset != 0 ? ListedAttributes.All : dir.Dir.ListsAttributes;
            int pos = 0;
            for (long index = (long)Math.Min(i.Offset, (ulong)entries.Length); index < entries.Length; index++)
            {
                DirEntry e = entries[(int)index];
                int head = plus ? EntryOutSize + Dirent.Size : Dirent.Size;
                Span<byte> rest = outBuf[pos..];
                // One UTF-8 pass when the name fits however it encodes (3 bytes per UTF-16 unit at most).
                if (rest.Length < head + e.Name.Length * 3 + 7
                    && pos + Dirent.RecordLength(head, Encoding.UTF8.GetByteCount(e.Name)) > outBuf.Length)
                    break;
                int nameLen = Encoding.UTF8.GetBytes(e.Name, rest[head..]);
                int recLen = Dirent.RecordLength(head, nameLen);
                Span<byte> rec = rest[..recLen];
                rec[..head].Clear();
                rec[(head + nameLen)..].Clear(); // the padding
                uint mode = e.Mode;
                ulong ino = 0;
                // A directory that lists names only gets node id 0 for a name without its node in
                // a listing's first reply (no lookup, no stat): the kernel takes that as "name only".
                if (plus && index >= 2 && (e.Node is not null || listed == ListedAttributes.All
                    || (listed == ListedAttributes.Directories && (mode & 0xF000) == 0x4000)))
                {
                    ref var entry = ref MemoryMarshal.AsRef<Wire.FuseEntryOut>(rec[..EntryOutSize]);
                    if (ResolveChild(dir.Dir, e, r.Context, ref entry))
                    {
                        mode = entry.Attr.Mode;
                        ino = entry.Attr.Ino;
                    }
                }
                if (ino == 0)
                    ino = ServedIno(e);
                Dirent.Put(rec[(plus ? EntryOutSize : 0)..], ino, (ulong)index + 1, nameLen, mode);
                pos += recLen;
            }
            length = pos;
        }
        return Errno.Ok;
    }

    /// <summary>
    /// Fills a READDIRPLUS entry, counting one lookup as LOOKUP would. A child that cannot be
    /// resolved gets node id 0, which the kernel takes as "name only" (fs/fuse/readdir.c).
    /// </summary>
    private bool ResolveChild(Node dir, in DirEntry e, RequestContext ctx, ref Wire.FuseEntryOut entry)
    {
        Node? child = e.Node;
        if (child is null && dir is INodeLookup lookup && lookup.Lookup(ctx, e.Name, out Node? found) == Errno.Ok)
            child = found;
        if (child is null)
            return false;
        if (FillEntry(child, ctx, ref entry) == Errno.Ok)
            return true;
        entry = default;
        return false;
    }

    internal Errno Releasedir(in Request r, out int length)
    {
        length = 0;
        DirHandle? dir = _dirs.Remove(r.Read<Wire.FuseReleaseIn>().Fh);
        if (dir is not null)
        {
            dir.Cache?.Closed();
            _quota.Give(dir.Uid);
            dir.Return();
        }
        return Errno.Ok;
    }

    internal Errno Fsyncdir(out int length)
    {
        length = 0;
        return Errno.Ok;
    }
}
