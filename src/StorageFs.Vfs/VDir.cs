namespace StorageFs.Vfs;

/// <summary>
/// A directory declared as a table (Plan 9's devtab style, STYLE.md "declare the tree as
/// tables"): fixed rows in order, then the rows of an optional dynamic collection (a pool's
/// volumes, the list of pools). Dynamic children come from <see cref="Find"/>, which must
/// return the same node for the same name while it exists, so the kernel's view and our
/// notifications stay tied to one inode.
/// </summary>
public sealed class VDir : Node, INodeLookup, INodeReadDir
{
    private readonly List<(string Name, Node Node)> _rows = [];

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

    public VDir Add(string name, Node node)
    {
        _rows.Add((name, node));
        return this;
    }

    public override Errno GetAttr(RequestContext ctx, ref FuseAttr attr) => Attr.Fill(ref attr, Mode, nlink: 2);

    public Errno Lookup(RequestContext ctx, string name, out Node? child)
    {
        foreach (var (n, node) in _rows)
        {
            if (n == name)
            {
                child = node;
                return Errno.Ok;
            }
        }
        child = Find?.Invoke(ctx, name);
        return child is null ? Errno.ENOENT : Errno.Ok;
    }

    public Errno ReadDir(RequestContext ctx, List<DirEntry> entries)
    {
        foreach (var (name, node) in _rows)
            entries.Add(new DirEntry(name, ModeOf(node), node));
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
}
