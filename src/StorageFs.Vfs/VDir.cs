namespace StorageFs.Vfs;

/// <summary>
/// A directory declared as a table (Plan 9's devtab style): fixed rows in order, then the rows
/// of an optional dynamic collection (a pool's volumes, the list of pools). Dynamic children come from <see cref="Find"/>, which must
/// return the same node for the same name while it exists, so the kernel's view and our
/// notifications stay tied to one inode. The layout is the daemon's (<see cref="FixedDir"/>):
/// every change a user attempts here is refused with EPERM and recorded through <see cref="Refused"/>.
/// </summary>
public sealed class VDir : FixedDir
{
    // Exactly as long as the fixed rows (added once, at construction).
    private string[] _names = [];
    private Node[] _nodes = [];
    private readonly uint _mode;

    public VDir(uint mode = Modes.DirReadOnly) => _mode = Modes.Dir | mode;

    public override uint Mode => _mode;
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

    public override string Where => Path;

    /// <summary>Says where this directory shows, when <see cref="Path"/> is not given.</summary>
    public IPlace? Place { get; init; }

    /// <summary>Receives the refused changes (null: refused without a record).</summary>
    public Refusal? Refused { get; init; }

    protected override Refusal? RefusedTo => Refused;

    /// <summary>What to do instead, appended to refusal messages.</summary>
    public string? Hint { get; init; }

    protected override string? RefusalHint => Hint;

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

    public override Errno Lookup(RequestContext ctx, string name, out Node? child)
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

    public override Errno ReadDir(RequestContext ctx, List<DirEntry> entries)
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
}
