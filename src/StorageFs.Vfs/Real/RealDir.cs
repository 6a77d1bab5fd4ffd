using Microsoft.Win32.SafeHandles;
using Serilog;

namespace StorageFs.Vfs.Real;

/// <summary>
/// A directory mirroring a host directory: everything a directory supports (files, directories,
/// symlinks, hard links, fifos and device nodes, rename with its flags, attributes, extended
/// attributes), so tar, cp -a and rsync -a work through it. Every name is one component below
/// this directory's own descriptor (<see cref="RealNative.OpenBeneath"/>: never a symlink
/// followed, never a path rebuilt). Names map to one node while it is the same host file (same
/// type and inode), so the kernel's view stays tied to one inode; a name the host now gives
/// another file gets a new node. Changes run as the caller (<see cref="RealCaller"/>): the host
/// makes new entries the caller's (and the directory's group when it is set-group-ID) with
/// exactly the mode asked (the kernel has applied the caller's umask), and refuses what the
/// caller may not do. Permission checks are first the kernel's (default_permissions).
/// When <see cref="Watch"/> is on, inotify reports changes made by other programs and the
/// kernel is told at once (INVAL_INODE, INVAL_ENTRY), so long cache timeouts never show stale
/// data.
/// </summary>
public sealed class RealDir : RealNode, INodeLookup, INodeReadDir, INodeCreate, INodeUnlink, INodeMkdir, INodeRmdir,
    INodeRename, INodeLink, INodeSymlink, INodeMknod, INodeStatfs
{
    // Renames touch two directories' tables and a node's place: one lock for all of them
    // keeps them consistent without a lock order.
    private static readonly Lock s_renames = new();

    // Files of this directory looked up one by one (LOOKUP, not a listing) until the count
    // reaches ReadersStatAfter; then readers here stat what they list (below).
    private const int ReadersStatAfter = 8;
    private int _fileLookups;
    private volatile bool _readersStat;
    private int _readAhead;

    private readonly Dictionary<string, RealNode> _known = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private FileSystemWatcher? _watcher;

    public RealDir(string path, TimeSpan? timeout)
        : base(path, timeout)
    {
    }

    /// <summary>A root handed over open: <paramref name="fd"/> (O_PATH, owned from here on) is the directory served; <paramref name="path"/> is for messages.</summary>
    public RealDir(SafeFileHandle fd, string path, TimeSpan? timeout)
        : base(fd, path, timeout)
    {
    }

    private RealDir(RealDir parent, string name, SafeFileHandle? fd, in RealStatus st, TimeSpan? timeout)
        : base(parent, name, fd, st, timeout)
    {
    }

    /// <summary>
    /// The node for <paramref name="name"/>, whose host object <paramref name="st"/> describes
    /// and <paramref name="fd"/> (an O_PATH descriptor, owned from here on) names, or -1 for a
    /// node opened at its first use: the known node when it is still that object (then
    /// <paramref name="fd"/> is closed), else a new one.
    /// </summary>
    private RealNode Known(string name, int fd, in RealStatus st)
    {
        var handle = fd >= 0 ? new SafeFileHandle(fd, ownsHandle: true) : null;
        lock (_gate)
        {
            if (_known.TryGetValue(name, out var n) && Same(n, st))
            {
                handle?.Dispose();
                return n;
            }
            n?.RemovePlace(this, name);
            n = st.Type switch
            {
                Modes.Dir => new RealDir(this, name, handle, st, Timeout),
                Modes.Lnk => new RealSymlink(this, name, handle, st, Timeout),
                _ => new RealFile(this, name, handle, st, Timeout),
            };
            _known[name] = n;
            return n;
        }
    }

    private static bool Same(RealNode n, in RealStatus st) => !n.IsEnded && n.Ino == st.MountIno && Kind(n) == Kind(st.Type);

    /// <summary>Which node class serves a file type: directories, symlinks, everything else.</summary>
    private static int Kind(uint type) => type switch
    {
        Modes.Dir => 1,
        Modes.Lnk => 2,
        _ => 0,
    };

    private static int Kind(RealNode n) => n switch
    {
        RealDir => 1,
        RealSymlink => 2,
        _ => 0,
    };

    /// <summary>
    /// Makes or finds the node of <paramref name="name"/>. A directory is opened now (O_PATH,
    /// the entry itself), as every node once was: it keeps meaning its directory when the host
    /// renames it (a shell's working directory, a tree being walked), and directories are few.
    /// Anything else comes from a <c>statx</c> of the entry itself (never followed) without
    /// being opened: a stat or a listing (<c>du</c>, <c>find</c>, <c>ls -l</c>) needs no
    /// descriptor, and the node opens its own at the first call that does
    /// (<see cref="RealNode.Use"/>), checking the name still is this object.
    /// </summary>
    private int Resolve(RequestContext ctx, int dirFd, string name, out RealNode? child)
    {
        child = null;
        if (name is "." or ".." || name.Contains('/'))
            return (int)Errno.EINVAL; // one component below this directory, never its parent
        int err = RealNative.StatAt(dirFd, name, out var st);
        if (err != 0)
            return err;
        if (st.Type != Modes.Dir)
        {
            if (!HasRoomForUnopenedNode)
                return (int)Errno.ENFILE;
            child = Known(name, -1, st);
            child.JustStatted(ctx, st);
            return 0;
        }
        if (!HasRoomForNode)
            return (int)Errno.ENFILE;
        err = RealNative.OpenPath(dirFd, name, out int fd);
        if (err == 0)
            err = RealNative.StatFd(fd, out st);
        if (err != 0)
        {
            if (fd >= 0)
                RealNative.CloseFd(fd);
            return err;
        }
        child = Known(name, fd, st); // what the descriptor names, whatever the name meant a moment ago
        child.JustStatted(ctx, st);
        return 0;
    }

    private RealNode? Forget(string name)
    {
        lock (_gate)
            return _known.Remove(name, out var n) ? n : null;
    }

    /// <summary>Drops <paramref name="name"/> from the table if it still means <paramref name="node"/> (which the kernel forgot).</summary>
    internal void Drop(string name, RealNode node)
    {
        lock (_gate)
        {
            if (_known.TryGetValue(name, out var n) && ReferenceEquals(n, node))
                _known.Remove(name);
        }
    }

    /// <summary>
    /// What a listing's first reply (the READDIRPLUS the kernel sends whoever reads) carries.
    /// At first, attributes for the subdirectories only: a reader that descends (<c>find</c>,
    /// <c>du</c>, <c>ls -R</c>, <c>cp -r</c>) would look each one up before opening it, a round
    /// trip per directory, and a directory's node is one descriptor among the few of its kind.
    /// The files go by name: their attributes cost a descriptor and a stat per name, which a
    /// reader of names and types (<c>find</c>, <c>ls</c>, a glob) never uses. Once files of this
    /// directory are looked up one by one (<c>du</c>, <c>ls -l</c>, <c>rsync</c> stat what they
    /// list), this directory and every one below its parent list everything with attributes: the
    /// reader pays LOOKUPs for the files of the directory it read first, not for every name of the tree.
    /// </summary>
    public override ListedAttributes ListsAttributes => ReadersStat ? ListedAttributes.All : ListedAttributes.Directories;

    // Looked up the chain of parents, at most ReadersStatDepth of them: a loop, not recursion, as
    // whoever may write an item can nest directories as deep as they like.
    private bool ReadersStat
    {
        get
        {
            RealDir? dir = this;
            for (int level = 0; dir is not null && level <= ReadersStatDepth; level++, dir = dir.ParentDir)
            {
                if (dir._readersStat)
                    return true;
            }
            return false;
        }
    }

    private const int ReadersStatDepth = 32;

    /// <summary>A file of this directory was looked up by name (a LOOKUP, not a listing).</summary>
    private void FileLookedUp(RequestContext ctx, RealNode child)
    {
        if (ctx.Opcode != Opcode.Lookup || child is RealDir || _readersStat)
            return;
        if (Interlocked.Increment(ref _fileLookups) < ReadersStatAfter)
            return;
        _readersStat = true;
        ReadAhead();
        if (ParentDir is { } parent)
        {
            parent._readersStat = true; // its other directories too: du goes on to the next one
            parent.ReadAhead();
        }
    }

    /// <summary>Has this directory's subdirectories read ahead (<see cref="RealStatahead"/>), once per node.</summary>
    private void ReadAhead()
    {
        if (Interlocked.Exchange(ref _readAhead, 1) == 0)
            RealStatahead.Subdirectories(this);
    }

    public Errno Lookup(RequestContext ctx, string name, out Node? child)
    {
        child = null;
        using var fd = Use();
        if (!fd.Ok)
            return fd.Error;
        RealNode? known;
        lock (_gate)
            _known.TryGetValue(name, out known);
        // A known name costs one statx (which the reply's attributes then use); only a new one is opened.
        if (known is not null && RealNative.StatAt(fd.Value, name, out var st) == 0 && Same(known, st))
        {
            known.JustStatted(ctx, st);
            child = known;
            FileLookedUp(ctx, known);
            return Errno.Ok;
        }
        // A listing's attributes (READDIRPLUS) are a convenience: past half the nodes' share its
        // names go without a node (the kernel asks LOOKUP when it needs one), so the other half
        // stays for lookups and creations while the old names are reclaimed (RealReclaim).
        if (ctx.Opcode == Opcode.Readdirplus && !HasRoomForListedNode)
            return Errno.ENFILE;
        int err = Resolve(ctx, fd.Value, name, out var node);
        child = node;
        if (node is not null)
            FileLookedUp(ctx, node);
        return (Errno)err; // a missing name is normal: not a refusal
    }

    public Errno ReadDir(RequestContext ctx, List<DirEntry> entries)
    {
        using var fd = Use();
        if (!fd.Ok)
            return fd.Error;
        if (ReadersStat)
            ReadAhead(); // whoever stats what this lists goes on into its subdirectories
        var found = new List<(string Name, byte Type, ulong Ino)>();
        int err = RealNative.ReadDir(fd.Value, found);
        if (err != 0)
            return (Errno)err;
        foreach (var (name, type, ino) in found)
        {
            uint mode = (uint)type << 12; // DT_* is S_IF* >> 12
            ulong mountIno = RealInodes.Number(DevMajor, DevMinor, ino);
            if (type == 0 /* DT_UNKNOWN */)
            {
                if (RealNative.StatAt(fd.Value, name, out var st) != 0)
                    continue; // gone meanwhile
                mode = st.Type;
                mountIno = st.MountIno;
            }
            // No node here: READDIRPLUS looks each name up, so only names the kernel asks for
            // hold a descriptor.
            entries.Add(new DirEntry(name, mode, null, mountIno));
        }
        return Errno.Ok;
    }

    /// <summary>Runs a change as the caller with this directory's descriptor; ESTALE once the node has ended.</summary>
    private int AsCaller(RequestContext ctx, bool creating, Func<int, int> op)
    {
        if (creating && !HasRoomForNode)
            return (int)Errno.ENFILE; // before anything is made: the new entry would need a descriptor
        using var fd = Use();
        if (!fd.Ok)
            return (int)fd.Error;
        int dir = fd.Value;
        return RealCaller.Run(ctx, creating, () => op(dir));
    }

    /// <summary>Finds the node of an entry just made, or records why not.</summary>
    private Errno Made(RequestContext ctx, string op, string name, out Node? child)
    {
        child = null;
        using var fd = Use();
        if (!fd.Ok)
            return fd.Error;
        int err = Resolve(ctx, fd.Value, name, out var node);
        child = node;
        return err == 0 ? Errno.Ok : Refuse(ctx, op, name, err);
    }

    public Errno Create(RequestContext ctx, string name, int flags, uint mode, out Node? child, out FileHandle? handle)
    {
        child = null;
        handle = null;
        // Opened read-write when the host allows it, whatever the caller asked, as
        // BackingFileHandle.Open explains (every open of a node shares the first backing file);
        // O_APPEND and O_DIRECT stay the kernel's business. Made meanwhile by someone else
        // (no O_EXCL): opened, as open(O_CREAT) would.
        const int Keep = 0x200 /* O_TRUNC */ | 0x800 /* O_NONBLOCK */ | 0x1000 /* O_DSYNC */ | 0x100000 /* __O_SYNC */;
        int common = RealNative.O_CREAT | (flags & (RealNative.O_EXCL | Keep));
        int file = -1;
        int err = AsCaller(ctx, creating: true, dir =>
        {
            int e = RealNative.OpenBeneath(dir, name, common | RealNative.O_RDWR, mode, out file);
            if (e == (int)Errno.EACCES && (flags & RealNative.O_ACCMODE) != RealNative.O_RDWR)
                e = RealNative.OpenBeneath(dir, name, common | (flags & RealNative.O_ACCMODE), mode, out file);
            return e;
        });
        if (err != 0)
            return Refuse(ctx, "create", name, err);
        var open = new BackingFileHandle(new SafeFileHandle(file, ownsHandle: true));
        // The node's own descriptor is of the very file just opened, whatever the name means now.
        err = RealNative.Reopen(file, RealNative.O_PATH, out int path);
        RealStatus st = default;
        if (err == 0)
            err = RealNative.StatFd(path, out st);
        if (err != 0)
        {
            if (path >= 0)
                RealNative.CloseFd(path);
            open.Release();
            return Refuse(ctx, "create", name, err);
        }
        child = Known(name, path, st);
        handle = open;
        return Errno.Ok;
    }

    public Errno Mknod(RequestContext ctx, string name, uint mode, uint rdev, out Node? child)
    {
        child = null;
        // fuse_mknod_in.rdev is new_encode_dev()'s; mknod(3) takes glibc's makedev().
        uint major = (rdev & 0xfff00) >> 8, minor = (rdev & 0xff) | ((rdev >> 12) & 0xfff00);
        ulong dev = ((ulong)(major & 0xfff) << 8) | ((ulong)(major & ~0xfffu) << 32) | (minor & 0xff) | ((ulong)(minor & ~0xffu) << 12);
        int err = AsCaller(ctx, creating: true, dir => RealNative.Mknod(dir, name, mode, dev));
        return err != 0 ? Refuse(ctx, "mknod", name, err) : Made(ctx, "mknod", name, out child);
    }

    public Errno Mkdir(RequestContext ctx, string name, uint mode, out Node? child)
    {
        child = null;
        int err = AsCaller(ctx, creating: true, dir => RealNative.Mkdir(dir, name, mode));
        return err != 0 ? Refuse(ctx, "mkdir", name, err) : Made(ctx, "mkdir", name, out child);
    }

    public Errno Symlink(RequestContext ctx, string target, string name, out Node? child)
    {
        child = null;
        int err = AsCaller(ctx, creating: true, dir => RealNative.Symlink(target, dir, name));
        return err != 0 ? Refuse(ctx, "symlink", name, err) : Made(ctx, "symlink", name, out child);
    }

    public Errno Link(RequestContext ctx, Node target, string name, out Node? child)
    {
        child = null;
        if (target is not RealNode { } existing || target is RealDir)
            return Refuse(ctx, "link", name, target is RealDir ? (int)Errno.EPERM : (int)Errno.EXDEV);
        int err;
        using (var from = existing.Use())
        {
            if (!from.Ok)
                return from.Error;
            int fromFd = from.Value;
            err = AsCaller(ctx, creating: false, dir => RealNative.Link(fromFd, dir, name));
        }
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
        int err = AsCaller(ctx, creating: false, dir => RealNative.Unlink(dir, name));
        if (err != 0)
            return Refuse(ctx, "unlink", name, err);
        Forget(name)?.RemovePlace(this, name);
        return Errno.Ok;
    }

    public Errno Rmdir(RequestContext ctx, string name)
    {
        int err = AsCaller(ctx, creating: false, dir => RealNative.Rmdir(dir, name));
        if (err != 0)
            return Refuse(ctx, "rmdir", name, err);
        Forget(name)?.RemovePlace(this, name);
        return Errno.Ok;
    }

    public Errno Rename(RequestContext ctx, string name, Node newParent, string newName, uint flags)
    {
        const uint Exchange = 2;
        if (newParent is not RealDir to)
            return Refuse(ctx, "rename", name, (int)Errno.EXDEV);
        lock (s_renames)
        {
            int err;
            using (var toFd = to.Use())
            {
                if (!toFd.Ok)
                    return toFd.Error;
                int toDir = toFd.Value;
                err = AsCaller(ctx, creating: false, dir => RealNative.Rename(dir, name, toDir, newName, flags));
            }
            if (err != 0)
                return Refuse(ctx, "rename", name, err);
            RealNode? moved = Forget(name);
            RealNode? other = to.Forget(newName);
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
        using var fd = Use();
        return fd.Ok ? (Errno)RealNative.Statfs(fd.Value, ref st) : fd.Error;
    }

    /// <summary>
    /// Starts telling the kernel about changes other programs make in this directory (a root)
    /// and every directory below it. The watcher works by path (inotify through
    /// FileSystemWatcher) and only ever reads event names to invalidate the kernel's caches: it
    /// never acts on a host file, so a path another user changes can at worst cost a stale or
    /// extra invalidation. Event names are paths relative to this directory; each is handled by
    /// the directory node holding the last component.
    /// </summary>
    public void Watch(Notifier notifier, ILogger log)
    {
        _watcher = new FileSystemWatcher(Path ?? throw new InvalidOperationException("only a root directory can be watched"))
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
    private RealDir? Holder(string? relative, out string leaf)
    {
        leaf = "";
        if (string.IsNullOrEmpty(relative))
            return null;
        string[] parts = relative.Split('/');
        RealDir dir = this;
        for (int i = 0; i < parts.Length - 1; i++)
        {
            RealNode? n;
            lock (dir._gate)
                dir._known.TryGetValue(parts[i], out n);
            if (n is not RealDir sub)
                return null;
            dir = sub;
        }
        leaf = parts[^1];
        return dir;
    }

    private void Changed(Notifier notifier, string name)
    {
        RealNode? n;
        lock (_gate)
            _known.TryGetValue(name, out n);
        if (n is not null)
            notifier.InvalidateInode(n);
    }

    private void Gone(Notifier notifier, string name)
    {
        RealNode? n;
        lock (_gate)
            _known.TryGetValue(name, out n);
        notifier.InvalidateEntry(this, name);
        if (n is not null)
            notifier.InvalidateInode(n);
    }
}
