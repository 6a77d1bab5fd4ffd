namespace StorageFs.Vfs.Tree;

/// <summary>
/// <c>pools/P/vol/V/</c>: a volume's control files (docs/TREE.md). There is one per volume the
/// kernel has looked up, a million after <c>ls -lR</c> of a million volumes, so it holds only
/// what differs between volumes: its pool's <see cref="VolumesDir"/>, the volume's name and its
/// child nodes (the kernel holds each by node id, so each is an object of its own). The row
/// names, modes, the files' renderers and its hint are shared (<see cref="PoolDirs.VolumePanelSpecs"/>);
/// its path is built only for an error record.
/// </summary>
internal sealed class VolumeControlDir : FixedDir, IPanelSubject
{
    private const string UseCtl = "use the commands of its ctl file";

    // The rows of every vol/V/, in order; "lease" only on a cluster member (docs/CLUSTER.md).
    private static readonly string[] Rows = ["info", "xml", "path", "key", "ctl", "data"];
    private static readonly string[] ClusterRows = [.. Rows, "lease"];

    private readonly VolumesDir _volumes;
    private readonly TextFile _info, _xml, _path, _key, _ctl;
    private readonly VSymlink _data;
    private readonly TextFile? _lease;

    public VolumeControlDir(VolumesDir volumes, string name)
    {
        _volumes = volumes;
        Name = name;
        var specs = volumes.Tree.VolumePanel;
        _info = new TextFile(specs.Info, this);
        _xml = new TextFile(specs.Xml, this);
        _path = new TextFile(specs.Path, this);
        _key = new TextFile(specs.Key, this);
        _ctl = new TextFile(specs.Ctl, this);
        _data = new VSymlink(static subject => ((VolumeControlDir)subject!).DataLink(), this);
        // A cluster member shows each volume's cluster write lease (docs/CLUSTER.md).
        if (volumes.Tree.Driver.Cluster is not null)
            _lease = new TextFile(specs.Lease, this);
    }

    public string Pool => _volumes.Pool;

    public string Name { get; }

    /// <summary>Where this directory shows: <c>pools/P/vol/V</c>.</summary>
    public string At => $"pools/{Pool}/vol/{Name}";

    public string DataLink() => $"../../volumes/{Name}";

    public override uint Mode => Modes.Dir | Modes.DirReadOnly;

    public override string Where => At;

    protected override Refusal? RefusedTo => _volumes.Tree.Refused;

    protected override string? RefusalHint => UseCtl;

    public override TimeSpan? EntryTimeout => TimeSpan.FromSeconds(1);

    public override TimeSpan? AttrTimeout => TimeSpan.FromSeconds(1);

    private string[] Names => _lease is null ? Rows : ClusterRows;

    private Node Row(int at) => at switch
    {
        0 => _info,
        1 => _xml,
        2 => _path,
        3 => _key,
        4 => _ctl,
        5 => _data,
        _ => _lease!,
    };

    public override Errno Lookup(RequestContext ctx, string name, out Node? child)
    {
        int at = Array.IndexOf(Names, name);
        child = at < 0 ? null : Row(at);
        return child is null ? Errno.ENOENT : Errno.Ok;
    }

    public override Errno ReadDir(RequestContext ctx, List<DirEntry> entries)
    {
        string[] names = Names;
        for (int i = 0; i < names.Length; i++)
        {
            Node row = Row(i);
            entries.Add(new DirEntry(names[i], ModeOf(row), row));
        }
        return Errno.Ok;
    }
}
