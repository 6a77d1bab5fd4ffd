using StorageFs.Fuse;
using StorageFs.Fuse.Nodes;
using StorageFs.Vfs.Real;
using StorageFs.Interop;

namespace StorageFs.Demo;

/// <summary>
/// A directory held in memory. Names map to nodes; a node may sit under several names (hard
/// links). Operations that touch two directories (rename) lock them in a fixed order.
/// </summary>
internal class MemDir(uint mode, uint uid, uint gid)
    : MemNode(MemNode.S_IFDIR | (mode & 0xFFF), uid, gid),
      INodeLookup, INodeReadDir, INodeCreate, INodeMkdir, INodeMknod, INodeUnlink, INodeRmdir,
      INodeRename, INodeLink, INodeSymlink, INodeStatfs
{
    private static long s_order;
    private readonly Dictionary<string, Node> _children = new(StringComparer.Ordinal);
    private readonly long _order = Interlocked.Increment(ref s_order);

    // Subdirectories among the children, counted when first asked after a change (-1): a
    // GETATTR of a 10,000-entry directory should not walk it (perf, bench/run readdir).
    private int _subdirs = -1;

    protected override uint LinkCount
    {
        get
        {
            // POSIX: "." plus the entry in the parent, plus each subdirectory's "..".
            lock (Gate)
            {
                if (_subdirs < 0)
                    _subdirs = _children.Values.Count(c => c is MemDir or RealDir);
                return 2 + (uint)_subdirs;
            }
        }
    }

    public int Count
    {
        get
        {
            lock (Gate)
                return _children.Count;
        }
    }

    /// <summary>Adds a child outside any request (building the tree).</summary>
    public void Add(string name, Node child)
    {
        lock (Gate)
        {
            _children[name] = child;
            _subdirs = -1;
        }
    }

    public Errno Lookup(RequestContext ctx, string name, out Node? child)
    {
        lock (Gate)
            return _children.TryGetValue(name, out child) ? Errno.Ok : Errno.ENOENT;
    }

    public Errno ReadDir(RequestContext ctx, List<DirEntry> entries)
    {
        lock (Gate)
        {
            entries.EnsureCapacity(entries.Count + _children.Count);
            foreach (var (name, node) in _children)
                entries.Add(new DirEntry(name, node is MemNode m ? m.Mode : S_IFREG, node));
        }
        return Errno.Ok;
    }

    private Errno AddNew(string name, Node node)
    {
        lock (Gate)
        {
            if (!_children.TryAdd(name, node))
                return Errno.EEXIST;
            _subdirs = -1;
        }
        Touch();
        return Errno.Ok;
    }

    public Errno Create(RequestContext ctx, string name, int flags, uint mode, out Node? child, out FileHandle? handle)
    {
        var file = new MemFile(mode, ctx.Uid, ctx.Gid);
        child = file;
        handle = null;
        Errno err = AddNew(name, file);
        if (err != Errno.Ok)
            return err;
        return file.Open(ctx, flags, out handle);
    }

    public Errno Mkdir(RequestContext ctx, string name, uint mode, out Node? child)
    {
        child = new MemDir(mode, ctx.Uid, ctx.Gid);
        return AddNew(name, child);
    }

    public Errno Mknod(RequestContext ctx, string name, uint mode, uint rdev, out Node? child)
    {
        child = null;
        if ((mode & S_IFMT) != S_IFREG)
            return Errno.EPERM; // only regular files live in memory
        child = new MemFile(mode, ctx.Uid, ctx.Gid);
        return AddNew(name, child);
    }

    public Errno Symlink(RequestContext ctx, string target, string name, out Node? child)
    {
        child = new MemSymlink(target, ctx.Uid, ctx.Gid);
        return AddNew(name, child);
    }

    public Errno Link(RequestContext ctx, Node target, string name, out Node? child)
    {
        child = target;
        if (target is not MemNode m || target is MemDir)
            return Errno.EPERM;
        Errno err = AddNew(name, target);
        if (err == Errno.Ok)
            m.Links++;
        return err;
    }

    public Errno Unlink(RequestContext ctx, string name)
    {
        lock (Gate)
        {
            if (!_children.TryGetValue(name, out var node))
                return Errno.ENOENT;
            if (node is MemDir)
                return Errno.EISDIR;
            _children.Remove(name);
            if (node is MemNode m)
                m.Links--;
        }
        Touch();
        return Errno.Ok;
    }

    public Errno Rmdir(RequestContext ctx, string name)
    {
        lock (Gate)
        {
            if (!_children.TryGetValue(name, out var node))
                return Errno.ENOENT;
            if (node is not MemDir d)
                return Errno.ENOTDIR;
            if (d.Count > 0)
                return Errno.ENOTEMPTY;
            _children.Remove(name);
            _subdirs = -1;
        }
        Touch();
        return Errno.Ok;
    }

    public Errno Rename(RequestContext ctx, string name, Node newParent, string newName, uint flags)
    {
        const uint NoReplace = 1, Exchange = 2;
        if (newParent is not MemDir to)
            return Errno.EXDEV;
        if ((flags & ~(NoReplace | Exchange)) != 0)
            return Errno.EINVAL;
        MemDir first = _order <= to._order ? this : to, second = first == this ? to : this;
        lock (first.Gate)
        lock (second.Gate)
        {
            if (!_children.TryGetValue(name, out var node))
                return Errno.ENOENT;
            bool exists = to._children.TryGetValue(newName, out var existing);
            if ((flags & Exchange) != 0)
            {
                if (!exists)
                    return Errno.ENOENT;
                _children[name] = existing!;
                to._children[newName] = node;
                _subdirs = to._subdirs = -1;
                return Errno.Ok;
            }
            if (exists)
            {
                if ((flags & NoReplace) != 0)
                    return Errno.EEXIST;
                if (existing is MemDir && node is not MemDir)
                    return Errno.EISDIR;
                if (existing is not MemDir && node is MemDir)
                    return Errno.ENOTDIR;
                if (existing is MemDir ed2 && ed2.Count > 0)
                    return Errno.ENOTEMPTY;
                if (existing is MemNode em && !ReferenceEquals(existing, node))
                    em.Links--;
            }
            _children.Remove(name);
            to._children[newName] = node;
            _subdirs = to._subdirs = -1;
        }
        Touch();
        to.Touch();
        return Errno.Ok;
    }

    public Errno Statfs(RequestContext ctx, ref StorageFs.Fuse.Abi.FuseKstatfs st)
    {
        long total = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 4096;
        st.Blocks = (ulong)total;
        st.Bfree = st.Bavail = (ulong)Math.Max(0, total - GC.GetTotalMemory(false) / 4096);
        st.Files = 1_000_000;
        st.Ffree = 1_000_000;
        return Errno.Ok;
    }
}
