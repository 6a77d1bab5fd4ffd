using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using StorageFs.Fuse.Session;

namespace StorageFs.Vfs.Real;

/// <summary>
/// A node mirroring one host file, directory or symlink, holding an O_PATH descriptor of that
/// very object (as libfuse's passthrough_hp and go-fuse's loopback keep one per inode). Every
/// operation goes through it: attributes and extended attributes of the node itself, and
/// names below a directory one component at a time (see <see cref="RealNative"/>). So a name
/// another user renames away or replaces by a symlink cannot redirect the daemon anywhere,
/// a node keeps meaning its object after a rename or unlink (fstat of an unlinked open file
/// gives nlink 0), and path length is not limited by where the item lives.
/// A root is either handed over open (an item: the driver opens it beneath its pool's
/// directory) or opened from its host path (the demo's backing directory) and kept for the
/// root's life; any other node comes from its directory's descriptor and lets its descriptor
/// go when the kernel forgets it (<see cref="Node.EndsWhenForgotten"/>). A node other than a
/// directory opens its descriptor at the first call that needs one, checked to be the object
/// the node was made for (<see cref="OpenUnopened"/>): a stat needs none. Each node
/// also knows its directories and names (several for hard links), for the directory tables
/// and error records only.
/// Changes run as the caller (<see cref="RealCaller"/>); reads of attributes run as the daemon
/// on the exact object (the kernel has checked the caller's permission: default_permissions).
/// </summary>
public abstract class RealNode : Node, INodeSetAttr, INodeXattr
{
    // A descriptor per node the kernel remembers, out of the nodes' share of the table (the
    // daemon raised the limit at start; open handles have the other share and a reserve is
    // kept for the process): a user listing a huge directory gets ENFILE for the names past
    // the budget and the daemon never runs out (the runtime dies of a failed open: "Out of memory.").
    private static readonly long s_budget = DescriptorLimit.NodeDescriptors(DescriptorLimit.Current().Soft);
    private static long s_nodeFds;

    // Nodes not opened yet (a name looked up or listed, whose descriptor no call has needed):
    // a statx made them, and they hold no descriptor, only memory, so their own share is wider
    // than the descriptors' (at least 65,536), and RealReclaim keeps it as it keeps the other.
    private static readonly long s_unopenedBudget = Math.Max(65_536, s_budget);
    private static long s_unopened;

    private readonly string? _fixedPath;
    private readonly bool _handedOver;
    private readonly Lock _placesGate = new();
    private ulong _ino;
    private SafeFileHandle? _fd;
    // Every name the node has (hard links: several); replaced, never changed, so reads need no lock.
    private Place[] _places = [];

    /// <summary>A root: the directory at <paramref name="path"/> on the host (opened now, or at first use if it is not there yet).</summary>
    protected RealNode(string path, TimeSpan? timeout)
    {
        _fixedPath = path;
        Timeout = timeout;
        OpenRoot();
    }

    /// <summary>
    /// A root handed over already open (an item: the driver opened it beneath its pool's
    /// directory without following a link): the node serves exactly that directory, whatever
    /// <paramref name="path"/> (for messages) names meanwhile, and lets the descriptor go when
    /// the kernel forgets it, as any other node does. <paramref name="fd"/> is owned from here on.
    /// </summary>
    protected RealNode(SafeFileHandle fd, string path, TimeSpan? timeout)
    {
        // Not counted against the nodes' share, as roots never were: one per item the kernel
        // knows, and only whoever may write the fspool's directory makes items.
        _fixedPath = path;
        _handedOver = true;
        _fd = fd;
        Timeout = timeout;
        if (RealNative.StatFd((int)fd.DangerousGetHandle(), out var st) == 0)
        {
            _ino = st.MountIno;
            DevMajor = st.DevMajor;
            DevMinor = st.DevMinor;
        }
    }

    /// <summary>
    /// A node below a directory: of the object <paramref name="fd"/> names (O_PATH, owned from
    /// here on), or, when <paramref name="fd"/> is null, of the object <paramref name="st"/>
    /// describes, opened by its name at the first call that needs the descriptor
    /// (<see cref="OpenUnopened"/>). A stat or a listing needs none (<c>find</c>, <c>du</c>,
    /// <c>stat</c>): such a node costs no descriptor until it is opened, read or changed.
    /// </summary>
    private protected RealNode(RealDir parent, string name, SafeFileHandle? fd, in RealStatus st, TimeSpan? timeout)
    {
        _places = [new Place(parent, name)];
        _fd = fd;
        _ino = st.MountIno;
        DevMajor = st.DevMajor;
        DevMinor = st.DevMinor;
        Timeout = timeout;
        if (fd is null)
            Interlocked.Increment(ref s_unopened);
        else
            Interlocked.Increment(ref s_nodeFds);
        RealReclaim.Made(this);
    }

    /// <summary>The host path of a root (for the inotify watcher and messages); null for other nodes, which are reached through descriptors only.</summary>
    public string? Path => _fixedPath;

    protected TimeSpan? Timeout { get; }

    public override TimeSpan? EntryTimeout => Timeout;

    public override TimeSpan? AttrTimeout => Timeout;

    public override ulong Ino => _ino;

    /// <summary>The host device this object lives on (directory listings number their entries with it).</summary>
    internal uint DevMajor { get; private set; }

    internal uint DevMinor { get; private set; }

    /// <summary>Called for changes the host refuses (set on a root; children report through it).</summary>
    public Refusal? Refused { get; init; }

    /// <summary>Where the root shows below the mount, for error records (e.g. <c>fspools/f/items/a</c>).</summary>
    public string? Display { get; init; }

    protected override bool EndsWhenForgotten => _fixedPath is null || _handedOver;

    /// <summary>Whether the host object is gone: removed (no link left) or no longer reachable
    /// through the descriptor. A root handed over is replaced then, never served stale.</summary>
    internal bool IsGone()
    {
        using var fd = Use();
        return !fd.Ok || RealNative.StatFd(fd.Value, out var st) != 0 || st.Nlink == 0;
    }

    /// <summary>The kernel forgot this node: drop it from its directories' tables and close its descriptor (once no call is using it).</summary>
    protected override void Forgotten()
    {
        foreach (var p in Volatile.Read(ref _places))
            p.Parent.Drop(p.Name, this);
        SafeFileHandle? fd;
        lock (_placesGate) // against OpenUnopened: either it opened first, or it sees the node ended
            fd = _fd;
        fd?.Dispose();
        if (_handedOver)
            return;
        if (fd is null)
            Interlocked.Decrement(ref s_unopened);
        else
            Interlocked.Decrement(ref s_nodeFds);
    }

    /// <summary>Descriptors the nodes hold now (roots aside).</summary>
    internal static long NodeFds => Volatile.Read(ref s_nodeFds);

    /// <summary>Nodes not opened yet (<see cref="OpenUnopened"/>), holding no descriptor.</summary>
    internal static long Unopened => Volatile.Read(ref s_unopened);

    /// <summary>The descriptors' share (<see cref="NodeFds"/>) and the unopened nodes' (<see cref="Unopened"/>).</summary>
    internal static (long Fds, long Unopened) Budgets => (s_budget, s_unopenedBudget);

    /// <summary>Whether this node holds a descriptor (a root, or a node opened).</summary>
    internal bool HoldsDescriptor => Volatile.Read(ref _fd) is not null;

    /// <summary>Asks the kernel to drop every name it caches for this node (<see cref="RealReclaim"/>); how many were asked.</summary>
    internal int Invalidate(Notifier notifier)
    {
        int n = 0;
        foreach (var p in Volatile.Read(ref _places))
        {
            notifier.InvalidateEntry(p.Parent, p.Name);
            n++;
        }
        return n;
    }

    /// <summary>Whether a node for a listed name (READDIRPLUS) may be made: only below half of
    /// both shares (a listed directory's node takes a descriptor), so listings never take the
    /// half that lookups and creations keep.</summary>
    internal static bool HasRoomForListedNode =>
        Volatile.Read(ref s_unopened) < s_unopenedBudget / 2 && Volatile.Read(ref s_nodeFds) < s_budget / 2;

    /// <summary>Whether a node may be made for a name looked up (see <c>s_unopenedBudget</c>); ENFILE to the caller when not.</summary>
    internal static bool HasRoomForUnopenedNode => Volatile.Read(ref s_unopened) < s_unopenedBudget;

    /// <summary>Whether another node may take a descriptor (see <c>s_budget</c>); ENFILE to the caller when not.</summary>
    internal static bool HasRoomForNode => Volatile.Read(ref s_nodeFds) < s_budget;

    /// <summary>
    /// Opens a node made without its descriptor: its first name, one component below its
    /// directory's descriptor (O_PATH, never a symlink followed, never outside), and only if
    /// that is still the object the node was made for (same inode, same kind). A name the host
    /// meanwhile gave another object, or removed, gives null (ESTALE to the caller: the kernel
    /// then looks the name up again, LOOKUP_REVAL). Past the descriptors' share, null too.
    /// </summary>
    private SafeFileHandle? OpenUnopened()
    {
        lock (_placesGate)
        {
            if (_fd is not null)
                return _fd;
            if (IsEnded || First is not { } place || !HasRoomForNode)
                return null;
            using var dir = place.Parent.Use();
            if (!dir.Ok || RealNative.OpenPath(dir.Value, place.Name, out int fd) != 0)
                return null;
            if (RealNative.StatFd(fd, out var st) != 0 || !IsSelf(st))
            {
                RealNative.CloseFd(fd);
                return null;
            }
            var h = new SafeFileHandle(fd, ownsHandle: true);
            Interlocked.Increment(ref s_nodeFds);
            Interlocked.Decrement(ref s_unopened);
            Volatile.Write(ref _fd, h);
            RealReclaim.Opened();
            return h;
        }
    }

    /// <summary>Whether <paramref name="st"/> describes this node's own object: the same inode, of the same kind.</summary>
    private bool IsSelf(in RealStatus st) => st.MountIno == _ino && this switch
    {
        RealDir => st.Type == Modes.Dir,
        RealSymlink => st.Type == Modes.Lnk,
        _ => st.Type is not Modes.Dir and not Modes.Lnk,
    };

    private SafeFileHandle? OpenRoot()
    {
        lock (_placesGate)
        {
            if (_fd is not null)
                return _fd;
            if (RealNative.OpenRoot(_fixedPath!, out int fd) != 0)
                return null;
            var h = new SafeFileHandle(fd, ownsHandle: true);
            if (RealNative.StatFd(fd, out var st) == 0)
            {
                _ino = st.MountIno;
                DevMajor = st.DevMajor;
                DevMinor = st.DevMinor;
            }
            Volatile.Write(ref _fd, h);
            return h;
        }
    }

    /// <summary>
    /// The node's descriptor for the length of one call (<c>using var fd = Use();</c>): it stays
    /// open until disposed, even if the kernel forgets the node meanwhile, so its number can
    /// never name another file. Not <see cref="Fd.Ok"/> once the node has ended.
    /// </summary>
    internal Fd Use()
    {
        var h = Volatile.Read(ref _fd) ?? (_fixedPath is null ? OpenUnopened() : _handedOver ? null : OpenRoot());
        if (h is null) // ended, or a node not opened yet whose name no longer is its object, or no room
            return _fixedPath is null && !IsEnded && !HasRoomForNode ? new Fd(Errno.ENFILE) : default;
        bool added = false;
        try
        {
            h.DangerousAddRef(ref added);
        }
        catch (ObjectDisposedException)
        {
            return default;
        }
        return added ? new Fd(h) : default;
    }

    /// <summary>A leased descriptor (see <see cref="Use"/>).</summary>
    internal readonly ref struct Fd
    {
        private readonly SafeFileHandle? _h;
        private readonly Errno _error;

        public Fd(SafeFileHandle h)
        {
            _h = h;
            Value = (int)h.DangerousGetHandle();
        }

        /// <summary>No descriptor, for the reason <paramref name="error"/>.</summary>
        public Fd(Errno error) => _error = error;

        public int Value { get; }

        public bool Ok => _h is not null;

        /// <summary>Why there is no descriptor: ESTALE (the node ended, or its object is gone) or ENFILE (the nodes' share is used up).</summary>
        public Errno Error => _h is not null ? Errno.Ok : _error != Errno.Ok ? _error : Errno.ESTALE;

        public void Dispose() => _h?.DangerousRelease();
    }

    /// <summary>A new name of this node (a hard link made through the mount).</summary>
    internal void AddPlace(RealDir parent, string name)
    {
        lock (_placesGate)
        {
            if (!_places.Any(p => p.Is(parent, name)))
                _places = [.. _places, new Place(parent, name)];
        }
    }

    /// <summary>A name of this node is gone (unlinked, renamed over, or now another file's).</summary>
    internal void RemovePlace(RealDir parent, string name)
    {
        lock (_placesGate)
            _places = [.. _places.Where(p => !p.Is(parent, name))];
    }

    /// <summary>A name of this node was renamed.</summary>
    internal void MovePlace(RealDir fromParent, string fromName, RealDir toParent, string toName)
    {
        lock (_placesGate)
            _places = [.. _places.Where(p => !p.Is(fromParent, fromName) && !p.Is(toParent, toName)), new Place(toParent, toName)];
    }

    private Place? First => Volatile.Read(ref _places) is { Length: > 0 } places ? places[0] : null;

    /// <summary>The directory of this node's first name; null for a root.</summary>
    internal RealDir? ParentDir => First?.Parent;

    /// <summary>The path below the mount, for error records.</summary>
    // How far Shown and Reporter walk up (a guard; no host tree is that deep in practice).
    private const int MaxDepth = 1 << 16;

    internal string Shown
    {
        get
        {
            // A loop up to the root, not recursion: whoever may write an item can nest
            // directories deeper than a thread's stack would follow.
            var names = new List<string>();
            RealNode node = this;
            while (node.First is { } p && names.Count < MaxDepth)
            {
                names.Add(p.Name);
                node = p.Parent;
            }
            names.Add(node.Display ?? node._fixedPath ?? "");
            names.Reverse();
            return string.Join('/', names);
        }
    }

    private Refusal? Reporter
    {
        get
        {
            RealNode node = this;
            for (int level = 0; node.First is { } p && level < MaxDepth; level++)
                node = p.Parent;
            return node.Refused;
        }
    }

    /// <summary>Records a refused change (<paramref name="child"/> names an entry of this directory) and returns its errno.</summary>
    internal Errno Refuse(RequestContext ctx, string op, string? child, int errno)
    {
        var err = (Errno)errno;
        string shown = child is null ? Shown : Shown + "/" + child;
        Reporter?.Invoke(ctx, op, shown, err, $"{op} {shown}: {Marshal.GetPInvokeErrorMessage(errno)}");
        return err;
    }

    // The statx a lookup just made of a node, for the GETATTR that fills the same reply (the
    // entry's attributes): one statx per name looked up or listed instead of two. Taken once,
    // by that node, in that very request (its unique id; a call outside one, id 0, never keeps
    // it); anything else reads the host again.
    [ThreadStatic] private static RealNode? t_statted;
    [ThreadStatic] private static RealStatus t_stat;
    [ThreadStatic] private static ulong t_statRequest;

    /// <summary>Records <paramref name="st"/>, just read of this node's object, for the GETATTR of the same reply.</summary>
    internal void JustStatted(RequestContext ctx, in RealStatus st)
    {
        t_statted = ctx.Unique != 0 ? this : null;
        t_stat = st;
        t_statRequest = ctx.Unique;
    }

    private bool TakeJustStatted(RequestContext ctx, out RealStatus st)
    {
        st = default;
        if (!ReferenceEquals(t_statted, this))
            return false;
        t_statted = null;
        if (t_statRequest != ctx.Unique)
            return false;
        st = t_stat;
        return true;
    }

    public override Errno GetAttr(RequestContext ctx, ref FuseAttr attr)
    {
        if (TakeJustStatted(ctx, out var fresh))
        {
            fresh.Fill(ref attr);
            return Errno.Ok;
        }
        // A node not opened yet stays so: a statx of its name, if that is still its object.
        if (Volatile.Read(ref _fd) is null && _fixedPath is null && !IsEnded && First is { } place)
        {
            using var dir = place.Parent.Use();
            if (dir.Ok && RealNative.StatAt(dir.Value, place.Name, out var st) == 0 && IsSelf(st))
            {
                st.Fill(ref attr);
                return Errno.Ok;
            }
        }
        using var fd = Use();
        if (!fd.Ok)
            return fd.Error;
        return RealStat.Fill(fd.Value, ref attr);
    }

    /// <summary>fstat of the open file itself (FUSE_GETATTR_FH), which works once it has no name too.</summary>
    public override Errno GetAttr(RequestContext ctx, FileHandle handle, ref FuseAttr attr)
    {
        return RealStat.FillFromHandle(handle, ref attr) ?? GetAttr(ctx, ref attr);
    }

    public virtual Errno SetAttr(RequestContext ctx, in SetattrRequest request, FileHandle? handle, ref FuseAttr attr)
    {
        string op = "setattr";
        int err;
        using (var fd = Use())
        {
            if (!fd.Ok)
                return fd.Error;
            int node = fd.Value;
            var r = request;
            bool dropOnly = r.Has(SetattrValid.Mode) && DropsOnlySuidSgid(node, r.Mode);
            err = RealCaller.Run(ctx, creating: false, () =>
            {
                int e = 0;
                // chown before chmod: chown clears set-user-ID and set-group-ID bits.
                if (r.Has(SetattrValid.Uid) || r.Has(SetattrValid.Gid))
                {
                    op = "chown";
                    e = RealNative.Chown(node, r.Has(SetattrValid.Uid) ? r.Uid : uint.MaxValue, r.Has(SetattrValid.Gid) ? r.Gid : uint.MaxValue);
                }
                if (e == 0 && r.Has(SetattrValid.Size))
                {
                    op = "truncate";
                    // An open file (ftruncate, O_TRUNC) is truncated through its own descriptor,
                    // which works once it has no name; the kernel checked that it is writable.
                    e = handle is BackingFileHandle open ? (int)open.Truncate((long)r.Size) : RealNative.Truncate(node, (long)r.Size);
                }
                if (e == 0 && r.Has(SetattrValid.Mode) && !dropOnly)
                {
                    op = "chmod";
                    e = RealNative.Chmod(node, r.Mode);
                }
                if (e == 0 && (r.Has(SetattrValid.Atime) || r.Has(SetattrValid.Mtime)))
                {
                    op = "utimes";
                    e = RealNative.SetTimes(node,
                        r.Has(SetattrValid.Atime) ? r.AtimeExact ?? RealNative.Exact(r.Atime) : null, r.Has(SetattrValid.AtimeNow),
                        r.Has(SetattrValid.Mtime) ? r.MtimeExact ?? RealNative.Exact(r.Mtime) : null, r.Has(SetattrValid.MtimeNow));
                }
                return e;
            });
            // Dropping set-user-ID and set-group-ID is what the kernel asks on behalf of any
            // writer (FUSE_HANDLE_KILLPRIV_V2: a write, truncate or chown by someone who is not
            // the owner): it only ever takes privilege away, so the daemon does it itself.
            if (err == 0 && dropOnly)
            {
                op = "chmod";
                err = RealNative.Chmod(node, r.Mode);
            }
            // A SETATTR with no field (chown(f, -1, -1), or the kernel's own privilege drop
            // before a write) is chown(-1, -1) on the host, which moves only ctime, as ext4
            // does for it. The kernel has allowed the call; a non-owner's chown(-1, -1) would
            // be refused by the host, so the daemon does it.
            const SetattrValid Fields = SetattrValid.Mode | SetattrValid.Uid | SetattrValid.Gid | SetattrValid.Size | SetattrValid.Atime | SetattrValid.Mtime;
            if (err == 0 && (r.Valid & Fields) == 0)
            {
                op = "chown";
                err = RealNative.Chown(node, uint.MaxValue, uint.MaxValue);
            }
        }
        if (err != 0)
            return Refuse(ctx, op, null, err);
        return handle is null ? GetAttr(ctx, ref attr) : GetAttr(ctx, handle, ref attr);
    }

    /// <summary>Whether setting <paramref name="mode"/> only clears set-user-ID or set-group-ID bits the object has now.</summary>
    private static bool DropsOnlySuidSgid(int fd, uint mode)
    {
        const uint SuidSgid = 0xC00;
        if (RealNative.StatFd(fd, out var st) != 0)
            return false;
        uint now = st.Mode & 0xFFF, want = mode & 0xFFF;
        return want != now && (want & ~SuidSgid) == (now & ~SuidSgid) && (want & ~now) == 0;
    }

    public Errno GetXattr(RequestContext ctx, string name, out byte[] value)
    {
        value = [];
        using var fd = Use();
        return fd.Ok ? (Errno)RealNative.GetXattr(fd.Value, name, out value) : fd.Error;
    }

    public Errno SetXattr(RequestContext ctx, string name, ReadOnlySpan<byte> value, int flags)
    {
        int err;
        using (var fd = Use())
        {
            if (!fd.Ok)
                return fd.Error;
            int node = fd.Value;
            byte[] bytes = value.ToArray();
            err = RealCaller.Run(ctx, creating: false, () => RealNative.SetXattr(node, name, bytes, flags));
        }
        return err == 0 ? Errno.Ok : Refuse(ctx, "setxattr", null, err);
    }

    public Errno ListXattr(RequestContext ctx, List<string> names)
    {
        using var fd = Use();
        return fd.Ok ? (Errno)RealNative.ListXattr(fd.Value, names) : fd.Error;
    }

    public Errno RemoveXattr(RequestContext ctx, string name)
    {
        int err;
        using (var fd = Use())
        {
            if (!fd.Ok)
                return fd.Error;
            int node = fd.Value;
            err = RealCaller.Run(ctx, creating: false, () => RealNative.RemoveXattr(node, name));
        }
        return err == 0 ? Errno.Ok : Refuse(ctx, "removexattr", null, err);
    }

    private sealed record Place(RealDir Parent, string Name)
    {
        public bool Is(RealDir parent, string name) => ReferenceEquals(Parent, parent) && Name == name;
    }
}
