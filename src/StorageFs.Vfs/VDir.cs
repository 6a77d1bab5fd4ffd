namespace StorageFs.Vfs;

/// <summary>
/// A directory declared as a table (Plan 9's devtab style): fixed rows in order, then the rows
/// of an optional dynamic collection (a pool's volumes, the list of pools). Dynamic children come from <see cref="Find"/>, which must
/// return the same node for the same name while it exists, so the kernel's view and our
/// notifications stay tied to one inode. The layout is the daemon's: every change a user
/// attempts here (create, mkdir, unlink, rmdir, rename, link, chmod…) is refused with EPERM
/// and recorded through <see cref="Refused"/>.
/// </summary>
public sealed class VDir : Node, INodeLookup, INodeReadDir, INodeCreate, INodeMknod, INodeMkdir, INodeSymlink, INodeLink,
    INodeUnlink, INodeRmdir, INodeRename, INodeSetAttr
{
    // Exactly as long as the fixed rows (added once, at construction): a million-entry tree
    // has one of these per control directory.
    // The names apart from the nodes, so directories of one layout (vol/V/ of every volume)
    // share one array of names: a million of them hold a Node[7] each and nothing more.
    private string[] _names = [];
    private Node[] _nodes = [];

    public VDir(uint mode = Modes.DirReadOnly) => Mode = Modes.Dir | mode;

    public uint Mode { get; }

    /// <summary>Names of the dynamic children, listed after the fixed rows.</summary>
    public Func<RequestContext, IEnumerable<string>>? List { get; init; }

    /// <summary>Finds a dynamic child by name, or null.</summary>
    public Func<RequestContext, string, Node?>? Find { get; init; }

    /// <summary>Timeout for names and attributes in this directory (synthetic trees use 0 or short).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(1);

    public override TimeSpan? EntryTimeout => Timeout;

    public override TimeSpan? AttrTimeout => Timeout;

    private readonly string? _path;

    /// <summary>Where this directory shows below the mount ("" for the root), for error records;
    /// <see cref="Place"/>'s path when none is given.</summary>
    public string Path
    {
        get => _path ?? Place?.At ?? "";
        init => _path = value;
    }

    /// <summary>Says where this directory shows, when <see cref="Path"/> is not given (a
    /// directory made per volume: no path string of its own).</summary>
    public IPlace? Place { get; init; }

    /// <summary>Receives the refused changes (null: refused without a record).</summary>
    public Refusal? Refused { get; init; }

    /// <summary>What to do instead, appended to refusal messages.</summary>
    public string? Hint { get; init; }

    public VDir Add(string name, Node node)
    {
        string[] names = new string[_names.Length + 1];
        _names.CopyTo(names, 0);
        names[^1] = name;
        _names = names;
        Array.Resize(ref _nodes, _nodes.Length + 1);
        _nodes[^1] = node;
        return this;
    }

    /// <summary>Sets the fixed rows at once: <paramref name="names"/> (which the caller may share
    /// between directories and must not change) and their <paramref name="nodes"/>, in order.</summary>
    public VDir WithRows(string[] names, Node[] nodes)
    {
        ArgumentNullException.ThrowIfNull(names);
        ArgumentNullException.ThrowIfNull(nodes);
        if (names.Length != nodes.Length)
            throw new ArgumentException("one node per name", nameof(nodes));
        _names = names;
        _nodes = nodes;
        return this;
    }

    public override Errno GetAttr(RequestContext ctx, ref FuseAttr attr) => Attr.Fill(ref attr, Mode, nlink: 2);

    public Errno Lookup(RequestContext ctx, string name, out Node? child)
    {
        int at = Array.IndexOf(_names, name);
        if (at >= 0)
        {
            child = _nodes[at];
            return Errno.Ok;
        }
        child = Find?.Invoke(ctx, name);
        return child is null ? Errno.ENOENT : Errno.Ok;
    }

    public Errno ReadDir(RequestContext ctx, List<DirEntry> entries)
    {
        for (int i = 0; i < _names.Length; i++)
            entries.Add(new DirEntry(_names[i], ModeOf(_nodes[i]), _nodes[i]));
        if (List is not null && Find is not null)
        {
            foreach (string name in List(ctx))
            {
                Node? node = Find(ctx, name);
                if (node is not null)
                    entries.Add(new DirEntry(name, ModeOf(node), node));
            }
        }
        return Errno.Ok;
    }

    private static uint ModeOf(Node node) => node switch
    {
        VDir d => d.Mode,
        VSymlink => Modes.Lnk,
        _ => Modes.Reg,
    };

    private string Below(string name) => Path.Length == 0 ? name : Path + "/" + name;

    private Errno Refuse(RequestContext ctx, string op, string path, string message)
    {
        Refused?.Invoke(ctx, op, path, Errno.EPERM, Hint is null ? message : message + ": " + Hint);
        return Errno.EPERM;
    }

    private Errno RefuseNew(RequestContext ctx, string op, string name, out Node? child)
    {
        child = null;
        return Refuse(ctx, op, Below(name), $"{(Path.Length == 0 ? "/" : Path + "/")} has a fixed layout: nothing can be created in it");
    }

    public Errno Create(RequestContext ctx, string name, int flags, uint mode, out Node? child, out FileHandle? handle)
    {
        handle = null;
        return RefuseNew(ctx, "create", name, out child);
    }

    public Errno Mknod(RequestContext ctx, string name, uint mode, uint rdev, out Node? child) => RefuseNew(ctx, "mknod", name, out child);

    public Errno Mkdir(RequestContext ctx, string name, uint mode, out Node? child) => RefuseNew(ctx, "mkdir", name, out child);

    public Errno Symlink(RequestContext ctx, string target, string name, out Node? child) => RefuseNew(ctx, "symlink", name, out child);

    public Errno Link(RequestContext ctx, Node target, string name, out Node? child) => RefuseNew(ctx, "link", name, out child);

    public Errno Unlink(RequestContext ctx, string name) =>
        Refuse(ctx, "unlink", Below(name), $"'{name}' is part of the tree's layout and cannot be removed");

    public Errno Rmdir(RequestContext ctx, string name) =>
        Refuse(ctx, "rmdir", Below(name), $"'{name}' is part of the tree's layout and cannot be removed");

    public Errno Rename(RequestContext ctx, string name, Node newParent, string newName, uint flags) =>
        Refuse(ctx, "rename", Below(name), $"'{name}' cannot be renamed");

    public Errno SetAttr(RequestContext ctx, in SetattrRequest request, FileHandle? handle, ref FuseAttr attr) =>
        Refuse(ctx, "setattr", Path.Length == 0 ? "." : Path, "the modes, owners and times of the tree's directories are fixed");
}
