using StorageFs.Vfs.Real;

namespace StorageFs.Vfs.Tree;

/// <summary>
/// A volume stored as a directory (<c>volumes/VOL/</c> itself, <see cref="VolumeDirNode.Relative"/>
/// empty) or a directory inside one: its entries as the host lists them, each a node of its own
/// kind (<see cref="VolumeDirectory"/>, <see cref="VolumeDirFile"/>, <see cref="VolumeDirSymlink"/>)
/// for as long as the name means the same host file (type and inode). Read-only: every change
/// is EROFS (see <see cref="VolumeDirNode"/>).
/// </summary>
internal sealed class VolumeDirectory : VolumeDirNode, INodeLookup, INodeReadDir, INodeCreate, INodeMkdir, INodeMknod, INodeSymlink,
    INodeLink, INodeUnlink, INodeRmdir, INodeRename, INodeStatfs
{
    private readonly Dictionary<string, VolumeDirNode> _known = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <summary>The volume <paramref name="volume"/> of <paramref name="pool"/> itself.</summary>
    public VolumeDirectory(StorageTree tree, string pool, string volume)
        : base(tree, null, pool, volume, "", 0)
    {
    }

    private VolumeDirectory(StorageTree tree, VolumeDirectory parent, string pool, string volume, string relative, ulong ino)
        : base(tree, parent, pool, volume, relative, ino)
    {
    }

    private string Below(string name) => Relative.Length == 0 ? name : Relative + "/" + name;

    /// <summary>The kernel forgot <paramref name="node"/>: its name no longer needs it.</summary>
    internal void Drop(VolumeDirNode node)
    {
        string name = node.Relative[(node.Relative.LastIndexOf('/') + 1)..];
        lock (_gate)
        {
            if (_known.TryGetValue(name, out var n) && ReferenceEquals(n, node))
                _known.Remove(name);
        }
    }

    /// <summary>The node for <paramref name="name"/>, which the host describes as <paramref name="st"/>.</summary>
    private VolumeDirNode Known(string name, in RealStatus st)
    {
        ulong ino = st.MountIno;
        uint type = st.Type;
        lock (_gate)
        {
            if (_known.TryGetValue(name, out var n) && !n.IsEnded && n.Ino == ino && Kind(n) == Kind(type))
                return n;
            n = type switch
            {
                Modes.Dir => new VolumeDirectory(Tree, this, Pool, Volume, Below(name), ino),
                Modes.Lnk => new VolumeDirSymlink(Tree, this, Pool, Volume, Below(name), ino),
                _ => new VolumeDirFile(Tree, this, Pool, Volume, Below(name), ino),
            };
            _known[name] = n;
            return n;
        }
    }

    private static int Kind(uint type) => type switch
    {
        Modes.Dir => 1,
        Modes.Lnk => 2,
        _ => 0,
    };

    private static int Kind(VolumeDirNode n) => n switch
    {
        VolumeDirectory => 1,
        VolumeDirSymlink => 2,
        _ => 0,
    };

    public Errno Lookup(RequestContext ctx, string name, out Node? child)
    {
        RealStatus st = default;
        Errno err = WithEntry(fd => (Errno)RealNative.StatAt(fd, name, out st));
        child = err == Errno.Ok ? Known(name, st) : null;
        return err; // a missing name is normal: not a refusal
    }

    public Errno ReadDir(RequestContext ctx, List<DirEntry> entries)
    {
        return WithEntry(fd =>
        {
            int err = RealNative.StatFd(fd, out var self);
            var found = new List<(string Name, byte Type, ulong Ino)>();
            if (err == 0)
                err = RealNative.ReadDir(fd, found);
            if (err != 0)
                return (Errno)err;
            foreach (var (name, type, ino) in found)
            {
                uint mode = (uint)type << 12; // DT_* is S_IF* >> 12
                ulong mountIno = RealInodes.Number(self.DevMajor, self.DevMinor, ino);
                if (type == 0 /* DT_UNKNOWN */)
                {
                    if (RealNative.StatAt(fd, name, out var st) != 0)
                        continue; // gone meanwhile
                    mode = st.Type;
                    mountIno = st.MountIno;
                }
                entries.Add(new DirEntry(name, mode, null, mountIno));
            }
            return Errno.Ok;
        });
    }

    public Errno Statfs(RequestContext ctx, ref FuseKstatfs st)
    {
        FuseKstatfs found = default;
        Errno err = WithEntry(fd => (Errno)RealNative.Statfs(fd, ref found));
        st = found;
        return err;
    }

    public Errno Create(RequestContext ctx, string name, int flags, uint mode, out Node? child, out FileHandle? handle)
    {
        child = null;
        handle = null;
        return ReadOnly(ctx, "create", name);
    }

    public Errno Mkdir(RequestContext ctx, string name, uint mode, out Node? child)
    {
        child = null;
        return ReadOnly(ctx, "mkdir", name);
    }

    public Errno Mknod(RequestContext ctx, string name, uint mode, uint rdev, out Node? child)
    {
        child = null;
        return ReadOnly(ctx, "mknod", name);
    }

    public Errno Symlink(RequestContext ctx, string target, string name, out Node? child)
    {
        child = null;
        return ReadOnly(ctx, "symlink", name);
    }

    public Errno Link(RequestContext ctx, Node target, string name, out Node? child)
    {
        child = null;
        return ReadOnly(ctx, "link", name);
    }

    public Errno Unlink(RequestContext ctx, string name) => ReadOnly(ctx, "unlink", name);

    public Errno Rmdir(RequestContext ctx, string name) => ReadOnly(ctx, "rmdir", name);

    public Errno Rename(RequestContext ctx, string name, Node newParent, string newName, uint flags) => ReadOnly(ctx, "rename", name);
}
