using Serilog;

namespace StorageFs.Vfs.Host;

/// <summary>
/// A directory mirroring a host directory: everything a directory supports (files, directories,
/// symlinks, hard links, fifos and device nodes, rename with its flags, attributes, extended
/// attributes), so tar, cp -a and rsync -a work through it. Names map to one node while it is
/// the same host file (same type and inode), so the kernel's view stays tied to one inode; a
/// name the host now gives another file gets a new node. Everything is created as the caller:
/// owned by its uid (and gid, unless the directory is set-group-ID) with exactly the mode it
/// asked for (the kernel has applied its umask; the daemon's own umask must not apply again).
/// Permission checks are the kernel's (the mount uses default_permissions). When
/// <see cref="Watch"/> is on, inotify reports changes made by other programs and the kernel is
/// told at once (INVAL_INODE, INVAL_ENTRY), so long cache timeouts never show stale data.
/// </summary>
public sealed class HostDir : HostNode, INodeLookup, INodeReadDir, INodeCreate, INodeUnlink, INodeMkdir, INodeRmdir,
    INodeRename, INodeLink, INodeSymlink, INodeMknod, INodeStatfs
{
    // Renames touch two directories' tables and a node's place: one lock for all of them
    // keeps them consistent without a lock order.
    private static readonly Lock s_renames = new();

    private readonly Dictionary<string, HostNode> _known = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private FileSystemWatcher? _watcher;

    public HostDir(string path, TimeSpan? timeout)
        : base(path, timeout)
    {
    }

    private HostDir(HostDir parent, string name, ulong ino, TimeSpan? timeout)
        : base(parent, name, ino, timeout)
    {
    }

    internal string Child(string name)
    {
        string p = Path;
        return p.Length == 0 ? "" : p + "/" + name;
    }

    /// <summary>The node for <paramref name="name"/>, which the host just described as <paramref name="st"/>.</summary>
    private HostNode Known(string name, in HostStatus st)
    {
        lock (_gate)
        {
            if (_known.TryGetValue(name, out var n) && n.Ino == st.MountIno && Kind(n) == Kind(st.Type))
                return n;
            n?.RemovePlace(this, name);
            n = st.Type switch
            {
                Modes.Dir => new HostDir(this, name, st.MountIno, Timeout),
                Modes.Lnk => new HostSymlink(this, name, st.MountIno, Timeout),
                _ => new HostFile(this, name, st.MountIno, Timeout),
            };
            _known[name] = n;
            return n;
        }
    }

    /// <summary>Which node class serves a file type: directories, symlinks, everything else.</summary>
    private static int Kind(uint type) => type switch
    {
        Modes.Dir => 1,
        Modes.Lnk => 2,
        _ => 0,
    };

    private static int Kind(HostNode n) => n switch
    {
        HostDir => 1,
        HostSymlink => 2,
        _ => 0,
    };

    private Errno KnownAfter(RequestContext ctx, string op, string name, out Node? child)
    {
        child = null;
        int err = HostNative.Stat(Child(name), follow: false, out var st);
        if (err != 0)
            return Refuse(ctx, op, name, err);
        child = Known(name, st);
        return Errno.Ok;
    }

    private HostNode? Forget(string name)
    {
        lock (_gate)
            return _known.Remove(name, out var n) ? n : null;
    }

    /// <summary>Owner of new entries: the caller, and its group unless this directory is set-group-ID (then the host already gave ours).</summary>
    private (uint Uid, uint Gid, bool SetGid) Owner(RequestContext ctx)
    {
        bool setgid = HostNative.Stat(Path, follow: false, out var st) == 0 && (st.Mode & HostNative.S_ISGID) != 0;
        return (ctx.Uid, setgid ? uint.MaxValue : ctx.Gid, setgid);
    }

    public Errno Lookup(RequestContext ctx, string name, out Node? child)
    {
        child = null;
        int err = HostNative.Stat(Child(name), follow: false, out var st);
        if (err != 0)
            return (Errno)err; // a missing name is normal: not a refusal
        child = Known(name, st);
        return Errno.Ok;
    }

    public Errno ReadDir(RequestContext ctx, List<DirEntry> entries)
    {
        string path = Path;
        if (path.Length == 0)
            return Errno.ENOENT;
        try
        {
            foreach (string full in Directory.EnumerateFileSystemEntries(path))
            {
                string name = System.IO.Path.GetFileName(full);
                if (HostNative.Stat(full, follow: false, out var st) != 0)
                    continue; // gone meanwhile
                entries.Add(new DirEntry(name, st.Type, Known(name, st)));
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return HostStat.ToErrno(ex);
        }
        return Errno.Ok;
    }

    public Errno Create(RequestContext ctx, string name, int flags, uint mode, out Node? child, out FileHandle? handle)
    {
        child = null;
        handle = null;
        string p = Child(name);
        var (uid, gid, _) = Owner(ctx);
        int err = HostNative.CreateFile(p, mode, uid, gid);
        if (err == (int)Errno.EEXIST && (flags & HostNative.O_EXCL) == 0)
            err = 0; // made meanwhile by someone else: open it, as open(O_CREAT) would
        if (err != 0)
            return Refuse(ctx, "create", name, err);
        Errno e = KnownAfter(ctx, "create", name, out child);
        if (e != Errno.Ok)
            return e;
        e = BackingFileHandle.Open(p, flags | HostNative.O_NOFOLLOW, out var h);
        handle = h;
        return e == Errno.Ok ? e : Refuse(ctx, "create", name, (int)e);
    }

    public Errno Mknod(RequestContext ctx, string name, uint mode, uint rdev, out Node? child)
    {
        child = null;
        string p = Child(name);
        // fuse_mknod_in.rdev is new_encode_dev()'s; mknod(3) takes glibc's makedev().
        uint major = (rdev & 0xfff00) >> 8, minor = (rdev & 0xff) | ((rdev >> 12) & 0xfff00);
        ulong dev = ((ulong)(major & 0xfff) << 8) | ((ulong)(major & ~0xfffu) << 32) | (minor & 0xff) | ((ulong)(minor & ~0xffu) << 12);
        int err = HostNative.Mknod(p, mode, dev);
        var (uid, gid, _) = Owner(ctx);
        if (err == 0)
            err = HostNative.Lchown(p, uid, gid);
        if (err == 0)
            err = HostNative.Chmod(p, mode);
        return err != 0 ? Refuse(ctx, "mknod", name, err) : KnownAfter(ctx, "mknod", name, out child);
    }

    public Errno Mkdir(RequestContext ctx, string name, uint mode, out Node? child)
    {
        child = null;
        string p = Child(name);
        var (uid, gid, setgid) = Owner(ctx);
        int err = HostNative.Mkdir(p, mode);
        if (err == 0)
            err = HostNative.Lchown(p, uid, gid);
        if (err == 0)
            err = HostNative.Chmod(p, (mode & 0xFFF) | (setgid ? HostNative.S_ISGID : 0));
        return err != 0 ? Refuse(ctx, "mkdir", name, err) : KnownAfter(ctx, "mkdir", name, out child);
    }

    public Errno Symlink(RequestContext ctx, string target, string name, out Node? child)
    {
        child = null;
        string p = Child(name);
        var (uid, gid, _) = Owner(ctx);
        int err = HostNative.Symlink(target, p);
        if (err == 0)
            err = HostNative.Lchown(p, uid, gid);
        return err != 0 ? Refuse(ctx, "symlink", name, err) : KnownAfter(ctx, "symlink", name, out child);
    }

    public Errno Link(RequestContext ctx, Node target, string name, out Node? child)
    {
        child = null;
        if (target is not HostNode { } existing || target is HostDir)
            return Refuse(ctx, "link", name, target is HostDir ? (int)Errno.EPERM : (int)Errno.EXDEV);
        int err = HostNative.Link(existing.Path, Child(name));
        if (err != 0)
            return Refuse(ctx, "link", name, err);
        // The same node under its new name, as the kernel expects of a hard link: one inode,
        // whose link count the entry reply updates.
        lock (_gate)
        {
            if (_known.Remove(name, out var stale))
                stale.RemovePlace(this, name);
            existing.AddPlace(this, name);
            _known[name] = existing;
        }
        child = existing;
        return Errno.Ok;
    }

    public Errno Unlink(RequestContext ctx, string name)
    {
        int err = HostNative.Unlink(Child(name));
        if (err != 0)
            return Refuse(ctx, "unlink", name, err);
        Forget(name)?.RemovePlace(this, name);
        return Errno.Ok;
    }

    public Errno Rmdir(RequestContext ctx, string name)
    {
        int err = HostNative.Rmdir(Child(name));
        if (err != 0)
            return Refuse(ctx, "rmdir", name, err);
        Forget(name)?.RemovePlace(this, name);
        return Errno.Ok;
    }

    public Errno Rename(RequestContext ctx, string name, Node newParent, string newName, uint flags)
    {
        const uint Exchange = 2;
        if (newParent is not HostDir to)
            return Refuse(ctx, "rename", name, (int)Errno.EXDEV);
        lock (s_renames)
        {
            int err = HostNative.Rename(Child(name), to.Child(newName), flags);
            if (err != 0)
                return Refuse(ctx, "rename", name, err);
            HostNode? moved = Forget(name);
            HostNode? other = to.Forget(newName);
            if ((flags & Exchange) != 0)
            {
                other?.MovePlace(to, newName, this, name);
                if (other is not null)
                {
                    lock (_gate)
                        _known[name] = other;
                }
            }
            else
            {
                other?.RemovePlace(to, newName);
            }
            if (moved is not null)
            {
                moved.MovePlace(this, name, to, newName);
                lock (to._gate)
                    to._known[newName] = moved;
            }
        }
        return Errno.Ok;
    }

    public Errno Statfs(RequestContext ctx, ref FuseKstatfs st)
    {
        int err = HostNative.Statfs(Path, ref st);
        return (Errno)err;
    }

    /// <summary>
    /// Starts telling the kernel about changes other programs make in this directory and every
    /// directory below it. Event names are paths relative to this directory; each is handled by
    /// the directory node holding the last component.
    /// </summary>
    public void Watch(Notifier notifier, ILogger log)
    {
        _watcher = new FileSystemWatcher(Path)
        {
            IncludeSubdirectories = true,
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.Size | NotifyFilters.LastWrite,
        };
        _watcher.Changed += (_, e) => Holder(e.Name, out string leaf)?.Changed(notifier, leaf);
        _watcher.Created += (_, e) => Holder(e.Name, out string leaf)?.Gone(notifier, leaf);
        _watcher.Deleted += (_, e) => Holder(e.Name, out string leaf)?.Gone(notifier, leaf);
        _watcher.Renamed += (_, e) =>
        {
            Holder(e.OldName, out string oldLeaf)?.Gone(notifier, oldLeaf);
            Holder(e.Name, out string leaf)?.Gone(notifier, leaf);
        };
        _watcher.Error += (_, e) => log.Warning(e.GetException(), "Watching {Path} failed", Path);
        _watcher.EnableRaisingEvents = true;
    }

    /// <summary>
    /// The node of the directory holding <paramref name="relative"/>, or null when some
    /// directory on the way has no node: the kernel only learns names through
    /// <see cref="Known"/>, so it cannot have cached anything below a directory without one.
    /// </summary>
    private HostDir? Holder(string? relative, out string leaf)
    {
        leaf = "";
        if (string.IsNullOrEmpty(relative))
            return null;
        string[] parts = relative.Split('/');
        HostDir dir = this;
        for (int i = 0; i < parts.Length - 1; i++)
        {
            HostNode? n;
            lock (dir._gate)
                dir._known.TryGetValue(parts[i], out n);
            if (n is not HostDir sub)
                return null;
            dir = sub;
        }
        leaf = parts[^1];
        return dir;
    }

    private void Changed(Notifier notifier, string name)
    {
        HostNode? n;
        lock (_gate)
            _known.TryGetValue(name, out n);
        if (n is not null)
            notifier.InvalidateInode(n);
    }

    private void Gone(Notifier notifier, string name)
    {
        HostNode? n;
        lock (_gate)
            _known.TryGetValue(name, out n);
        notifier.InvalidateEntry(this, name);
        if (n is not null)
            notifier.InvalidateInode(n);
    }
}
