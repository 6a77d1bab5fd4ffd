using System.Security;
using StorageFs.Core;
using StorageFs.Core.Driver;
using StorageFs.Core.Model;
using StorageFs.Vfs.Real;

namespace StorageFs.Vfs.Tree;

/// <summary>
/// <c>pools/&lt;p&gt;/volumes/</c>: only the volumes, as files, and as read-only directories
/// those stored as one (dir and ploop volumes, an fs pool's lost+found; see
/// <see cref="VolumeDirNode"/>), so cp, tar, rm and rsync behave.
/// Creating a file creates a volume in the pool's default format; unlink deletes one.
/// </summary>
internal sealed class VolumesDir(StorageTree tree, string pool) : Node, INodeLookup, INodeVersionedReadDir, INodeCreate, INodeUnlink, INodeRmdir, INodeRename, INodeMkdir,
    INodeMknod, INodeSymlink, INodeLink, INodeSetAttr
{
    private const int O_EXCL = 0x80;

    private readonly NodeCache<VolumeFile> _files = new();
    private readonly NodeCache<VolumeDirectory> _dirs = new();
    private readonly NodeCache<VolumeControlDir> _dirControls = new();
    private long _lastRefresh;
    private DirStamp? _unchanged;

    /// <summary>
    /// Every listing re-reads the pool, and so does a lookup of an unknown name (at most once a
    /// second), so a volume another program put in the pool's directory shows at once.
    /// These refreshes are quiet: no <c>refreshed</c> event.
    /// A listing of a dir or fs pool skips the re-read while the pool's directory is unchanged
    /// since the last one (same path, same modification time): adding, removing or renaming an
    /// entry changes the directory's mtime, and a volume's size and times are read from its host
    /// file at every stat anyway. See <see cref="DirStamp"/> for when an mtime is trusted.
    /// </summary>
    private void Refresh(bool rateLimited = false)
    {
        long now = Environment.TickCount64;
        if (rateLimited && now - Interlocked.Read(ref _lastRefresh) < 1000)
            return;
        DirStamp? stamp = rateLimited ? null : StampOf();
        if (stamp is not null && stamp == Volatile.Read(ref _unchanged))
            return;
        if (stamp is { Settled: true } && ReadAfter(stamp))
        {
            // The driver's list was read after the directory's last change (the first listing
            // after the pool started at load: every volume was read twice before).
            Volatile.Write(ref _unchanged, stamp);
            return;
        }
        Interlocked.Exchange(ref _lastRefresh, now);
        // Inactive or busy: list what the driver has.
        bool refreshed = tree.Quietly(Where(), () =>
        {
            tree.QuietRefresh(pool);
            return true;
        }, false);
        if (!rateLimited || !refreshed)
            Volatile.Write(ref _unchanged, refreshed && stamp is { Settled: true } ? stamp : null);
    }

    /// <summary>
    /// Whether the driver began reading the pool over a second after the directory last changed:
    /// its ctime, which every added, removed or renamed entry moves and no one can set back (an
    /// mtime can be: touch -d), so a change since would carry a later one.
    /// </summary>
    private bool ReadAfter(DirStamp stamp)
    {
        try
        {
            DateTime read = tree.Driver.PoolVolumesReadSince(pool);
            if (read == DateTime.MinValue || Real.RealNative.Stat(stamp.Path, follow: true, out var st) != 0)
                return false;
            FuseAttr a = default;
            st.Fill(ref a);
            DateTime changed = DateTime.UnixEpoch.AddSeconds(a.Ctime).AddTicks(a.CtimeNsec / 100);
            return read - changed > TimeSpan.FromSeconds(1);
        }
        catch (StorageException e)
        {
            // As StorageTree.Quietly, inline: no closure per check of a listing's freshness.
            tree.Swallowed(Where(), e);
            return false;
        }
    }

    /// <summary>The pool directory's stamp when the pool is active and its listing follows its
    /// target's mtime; null otherwise.</summary>
    private DirStamp? StampOf() => tree.Quietly(Where(), () => ListedTarget() is { } target ? DirStamp.Of(target) : null, null);

    /// <summary>The pool's target directory when the pool is active and its volumes are that
    /// directory's entries (dir, fs and netfs pools); null otherwise. Throws as the driver does.</summary>
    private string? ListedTarget()
    {
        var info = tree.Driver.GetPoolInfo(pool);
        return tree.Driver.GetPoolCapabilities(pool).ListingFollowsTargetMtime && info.IsActive ? info.TargetPath : null;
    }

    /// <summary>
    /// A listing with attributes (<c>ls -l</c>: READDIRPLUS looks each volume up and stats its
    /// host file) of at least <see cref="ReadAheadMinVolumes"/> volumes has the pool's directory read ahead on the statahead thread
    /// (<see cref="RealStatahead.Directory"/>), at most once every <see cref="ReadAheadEvery"/>:
    /// the host's cold lookups then run on the other CPU while the reader takes in a reply,
    /// instead of on the request's thread. Only where the volumes are the entries of the pool's
    /// target (dir, fs and netfs pools).
    /// </summary>
    internal void ReadAhead()
    {
        long now = Environment.TickCount64, last = Interlocked.Read(ref _lastReadAhead);
        if (now - last < ReadAheadEvery || Interlocked.CompareExchange(ref _lastReadAhead, now, last) != last)
            return;
        string? target = tree.Quietly(Where(), ListedTarget, null);
        if (target is not null)
            RealStatahead.Directory(target);
    }

    private const long ReadAheadEvery = 5000;
    private long _lastReadAhead = -ReadAheadEvery;

    // A pool whose listing fits a reply or two is statted by the ring thread at once: reading it
    // ahead would only stat it twice.
    private const int ReadAheadMinVolumes = 512;

    // Pools read ahead past this one when readers stat (StorageTree.ReadAheadPoolsAfter).
    private const int FollowingPools = 8;
    private int _listed; // volumes in the last listing read from the driver

    public override TimeSpan? EntryTimeout => TimeSpan.FromSeconds(1);

    public override TimeSpan? AttrTimeout => TimeSpan.FromSeconds(1);

    /// <summary>A listing's first reply gives names only: a volume's attributes cost a node, the
    /// driver's lock and a host stat each (cold after the kernel dropped its inodes), which a
    /// names-only <c>ls</c> never needs; <c>ls -l</c> looks those up and gets attributes with the
    /// rest. Once readers stat what they list (<see cref="VolumeReaders"/>), every reply carries them.</summary>
    public override ListedAttributes ListsAttributes =>
        tree.VolumeReaders.Stat(Environment.TickCount64) ? ListedAttributes.All : ListedAttributes.NamesOnly;

    private string Where(string? name = null) => name is null ? $"pools/{pool}/volumes" : $"pools/{pool}/volumes/{name}";

    internal StorageTree Tree => tree;

    internal string Pool => pool;

    /// <summary>Makes room for <paramref name="count"/> volume nodes at once: a listing of
    /// volumes/ or vol/ is about to have READDIRPLUS look up its entries.</summary>
    internal void Expect(int count) => _files.EnsureCapacity(count);

    public VolumeFile Node(string name) => _files.Get(name, n => new VolumeFile(this, n));

    /// <summary>
    /// The control directory of volume <paramref name="name"/>, <c>vol/NAME/</c>: one per name
    /// while the volume exists. A file volume's hangs off its volumes/ node (a field there, where
    /// a table of its own cost a hash entry and a key per volume); a volume stored as a directory
    /// (whose node goes when the kernel forgets it) keeps its own in a table here.
    /// </summary>
    public VolumeControlDir Control(string name)
    {
        bool directory = _dirs.Peek(name) is not null || IsDirectory(name);
        if (directory)
            return _dirControls.Get(name, n => VolumeControlDir.Make(this, n));
        var file = Node(name);
        if (Volatile.Read(ref file.Control) is { } made)
            return made;
        var control = VolumeControlDir.Make(this, file.Name);
        return Interlocked.CompareExchange(ref file.Control, control, null) ?? control;
    }

    // Whether volume NAME is stored as a directory; false (logged) when the driver refuses. No
    // closure or path string unless it refuses: every lookup of a vol/V/ asks.
    private bool IsDirectory(string name)
    {
        try
        {
            return StorageDriver.IsDirectoryVolume(tree.Driver.GetVolumeType(pool, name));
        }
        catch (StorageException e)
        {
            tree.Swallowed(Where(name), e);
            return false;
        }
    }

    /// <summary>The node a volume of type <paramref name="type"/> is: a directory for a volume
    /// stored as one (dir, ploop), else a file.</summary>
    private Node Node(string name, VolumeType type) => StorageDriver.IsDirectoryVolume(type)
        ? _dirs.Get(name, n => new VolumeDirectory(tree, pool, n))
        : Node(name);

    /// <summary>The node the kernel may hold for <paramref name="name"/>, of either kind; null when none was made.</summary>
    public Node? Peek(string name) => (Node?)_files.Peek(name) ?? _dirs.Peek(name);

    public void Forget(string name)
    {
        _files.Remove(name);
        _dirs.Remove(name);
        _dirControls.Remove(name);
    }

    public override Errno GetAttr(RequestContext ctx, ref FuseAttr attr) => Attr.Fill(ref attr, Modes.Dir | Modes.DirReadWrite, nlink: 2);

    public Errno Lookup(RequestContext ctx, string name, out Node? child)
    {
        child = null;
        if (ctx.Opcode == Opcode.Lookup)
            tree.VolumeReaders.LookedUp(Environment.TickCount64);
        else if (ctx.Opcode == Opcode.Readdirplus && Volatile.Read(ref _listed) >= ReadAheadMinVolumes)
            ReadAhead();
        // A static question with its state: no closure per lookup (ls -lR of a million volumes
        // looks each up).
        Errno err = StorageTree.Ask((Dir: this, Name: name), static s => s.Dir.TypeOf(s.Name), out VolumeType? type);
        if (err != Errno.Ok || type is not { } found)
            return err != Errno.Ok ? err : Errno.ENOENT;
        child = Node(name, found);
        return Errno.Ok;
    }

    // The type of volume NAME, re-reading the pool once (at most once a second) for a name the
    // driver does not know; null when there is none.
    private VolumeType? TypeOf(string name)
    {
        if (!tree.Driver.HasVolume(pool, name))
        {
            Refresh(rateLimited: true);
            if (!tree.Driver.HasVolume(pool, name))
                return null;
        }
        return tree.Driver.GetVolumeType(pool, name);
    }

    public Errno ReadDir(RequestContext ctx, List<DirEntry> entries) => ReadDir(ctx, entries, 0, out _);

    /// <summary>The volumes, with the driver's number for this listing (the kernel keeps a large
    /// one while the number stays, and the engine its own copy: none is added while it is
    /// <paramref name="known"/>).</summary>
    public Errno ReadDir(RequestContext ctx, List<DirEntry> entries, ulong known, out ulong version)
    {
        Refresh();
        // Names only, and no node: READDIRPLUS answers them without attributes (ListsAttributes).
        // An inactive pool lists empty rather than failing ls.
        // The driver refuses before it hands over any name (an inactive or unknown pool).
        long number = 0;
        int before = entries.Count;
        Errno err = tree.Listing(Where(), () => number = tree.Driver.ListVolumeTypes(pool, entries,
            static (list, name, type) => list.Add(new DirEntry(name, StorageDriver.IsDirectoryVolume(type) ? Modes.Dir : Modes.Reg)),
            (long)known));
        // ls -l looks each up next: room for every volume's node at once.
        if (entries.Count > before)
            Volatile.Write(ref _listed, entries.Count - before);
        Expect(entries.Count - before);
        // ls -lR goes on to the next pools. A large pool has its own read ahead (ReadAhead),
        // which next pools' jobs queued before it would only delay.
        if (err == Errno.Ok && Volatile.Read(ref _listed) < ReadAheadMinVolumes && tree.VolumeReaders.Stat(Environment.TickCount64))
            tree.ReadAheadPoolsAfter(pool, FollowingPools);
        version = (ulong)number;
        return err;
    }

    public Errno Create(RequestContext ctx, string name, int flags, uint mode, out Node? child, out FileHandle? handle)
    {
        child = null;
        handle = null;
        if (ctx.Uid != 0)
            return tree.Fail(ctx, "create", Where(name), Errno.EACCES, "only root may create volumes");
        bool created = false;
        Errno err = tree.Change(ctx, "create", Where(name), () =>
        {
            try
            {
                // Capacity 0: the file's bytes are still to come. A pool whose volumes are devices
                // makes the largest partition it can, which the open below cuts at close.
                // The create job (jobs/ID/info) names the uploader, as a ctl command's job names its writer.
                tree.Driver.CreateVolume(pool, $"<volume><name>{SecurityElement.Escape(name)}</name><capacity unit='bytes'>0</capacity></volume>",
                    requester: JobWait.By(ctx));
                created = true;
            }
            catch (StorageException e) when (e.Code == ErrorCode.VolExists && (flags & O_EXCL) == 0)
            {
                // Another writer created it since the kernel's lookup: open(O_CREAT) without
                // O_EXCL opens what is there (a "File exists" here failed dd under concurrent writers).
                // The volume may be one another program made since the last refresh (an image
                // created by another Ceph client): the open below must find it.
                if (!tree.Driver.HasVolume(pool, name))
                    Refresh();
            }
        });
        if (err != Errno.Ok)
            return err;
        var file = Node(name);
        child = file;
        return file.Open(ctx, flags, created, out handle);
    }

    public Errno Unlink(RequestContext ctx, string name)
    {
        if (ctx.Uid != 0)
            return tree.Fail(ctx, "unlink", Where(name), Errno.EACCES, "only root may delete volumes");
        return tree.Change(ctx, "unlink", Where(name), () => tree.Driver.DeleteVolume(pool, name));
    }

    /// <summary>A volume stored as a directory is deleted with <c>delete NAME</c> in its ctl, which
    /// removes a ploop volume's files too: rmdir never deletes what it did not show empty.</summary>
    public Errno Rmdir(RequestContext ctx, string name) =>
        tree.Fail(ctx, "rmdir", Where(name), Errno.EPERM, $"delete a directory volume with 'delete {name}' in vol/{name}/ctl");

    public Errno Rename(RequestContext ctx, string name, Node newParent, string newName, uint flags) =>
        tree.Fail(ctx, "rename", Where(name), Errno.EPERM, "volumes cannot be renamed: clone it with 'clone NEWNAME' in vol/" + name + "/ctl");

    public Errno Mkdir(RequestContext ctx, string name, uint mode, out Node? child)
    {
        child = null;
        return tree.Fail(ctx, "mkdir", Where(name), Errno.EPERM, "volumes/ holds volumes only: create one by writing a file or a <volume> document to create");
    }

    private const string OnlyVolumes = "volumes/ holds volumes only: create one by writing a file or a <volume> document to create";

    public Errno Mknod(RequestContext ctx, string name, uint mode, uint rdev, out Node? child)
    {
        child = null;
        return tree.Fail(ctx, "mknod", Where(name), Errno.EPERM, OnlyVolumes);
    }

    public Errno Symlink(RequestContext ctx, string target, string name, out Node? child)
    {
        child = null;
        return tree.Fail(ctx, "symlink", Where(name), Errno.EPERM, OnlyVolumes);
    }

    public Errno Link(RequestContext ctx, Node target, string name, out Node? child)
    {
        child = null;
        return tree.Fail(ctx, "link", Where(name), Errno.EPERM, "volumes have one name each: clone one with 'clone NEWNAME' in its vol/NAME/ctl");
    }

    public Errno SetAttr(RequestContext ctx, in SetattrRequest request, FileHandle? handle, ref FuseAttr attr) =>
        tree.Fail(ctx, "setattr", Where(), Errno.EPERM, "the modes, owners and times of volumes/ are fixed");
}
