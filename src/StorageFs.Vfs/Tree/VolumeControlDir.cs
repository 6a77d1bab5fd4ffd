namespace StorageFs.Vfs.Tree;

/// <summary>
/// <c>pools/P/vol/V/</c>: a volume's control files (docs/TREE.md). There is one per volume the
/// kernel has looked up, a million after <c>ls -lR</c> of a million volumes, so it holds only
/// what differs between volumes: its pool's <see cref="VolumesDir"/>, the volume's name and its
/// child nodes (the kernel holds each by node id, so each is an object of its own). The row
/// names, modes, the files' renderers and its hint are shared (<see cref="PoolDirs.VolumePanelSpecs"/>);
/// its path is built only for an error record. A cluster member's also has a <c>lease</c> row,
/// in a class of its own (<see cref="Make"/>): a field for it in every one cost 8 bytes a volume.
/// </summary>
internal class VolumeControlDir : FixedDir, IPanelSubject
{
    private const string UseCtl = "use the commands of its ctl file";

    // The rows of every vol/V/, in order; "lease" only on a cluster member (docs/CLUSTER.md).
    private static readonly string[] Rows = ["info", "xml", "path", "key", "ctl", "data"];
    private static readonly string[] ClusterRows = [.. Rows, "lease"];

    private readonly VolumesDir _volumes;
    private readonly Row _info, _xml, _path, _key, _ctl;
    private readonly DataLinkRow _data;

    private VolumeControlDir(VolumesDir volumes, string name)
    {
        _volumes = volumes;
        Name = name;
        _info = new Row(this);
        _xml = new Row(this);
        _path = new Row(this);
        _key = new Row(this);
        _ctl = new Row(this);
        _data = new DataLinkRow(this);
    }

    /// <summary>The <c>vol/NAME/</c> of volume <paramref name="name"/> of <paramref name="volumes"/>'s pool.</summary>
    public static VolumeControlDir Make(VolumesDir volumes, string name) =>
        // A cluster member shows each volume's cluster write lease (docs/CLUSTER.md).
        volumes.Tree.Driver.Cluster is not null ? new WithLease(volumes, name) : new VolumeControlDir(volumes, name);

    // The lease row: only a cluster member's have one.
    private protected virtual Row? Lease => null;

    public string Pool => _volumes.Pool;

    public string Name { get; }

    /// <summary>Where this directory shows: <c>pools/P/vol/V</c>.</summary>
    public string At => $"pools/{Pool}/vol/{Name}";

    public string DataLink() => $"../../volumes/{Name}";

    // The spec of a row: which one it is, by which field holds it (a field per row would cost
    // each of a million rows 8 bytes).
    private TextFileSpec SpecOf(Row row)
    {
        var specs = _volumes.Tree.VolumePanel;
        return row == _info ? specs.Info
            : row == _xml ? specs.Xml
            : row == _path ? specs.Path
            : row == _key ? specs.Key
            : row == _ctl ? specs.Ctl
            : specs.Lease;
    }

    public override uint Mode => Modes.Dir | Modes.DirReadOnly;

    public override string Where => At;

    protected override Refusal? RefusedTo => _volumes.Tree.Refused;

    protected override string? RefusalHint => UseCtl;

    public override TimeSpan? EntryTimeout => TimeSpan.FromSeconds(1);

    public override TimeSpan? AttrTimeout => TimeSpan.FromSeconds(1);

    private string[] Names => Lease is null ? Rows : ClusterRows;

    private Node RowAt(int at) => at switch
    {
        0 => _info,
        1 => _xml,
        2 => _path,
        3 => _key,
        4 => _ctl,
        5 => _data,
        _ => Lease!,
    };

    public override Errno Lookup(RequestContext ctx, string name, out Node? child)
    {
        int at = Array.IndexOf(Names, name);
        child = at < 0 ? null : RowAt(at);
        return child is null ? Errno.ENOENT : Errno.Ok;
    }

    public override Errno ReadDir(RequestContext ctx, List<DirEntry> entries)
    {
        string[] names = Names;
        for (int i = 0; i < names.Length; i++)
        {
            Node row = RowAt(i);
            entries.Add(new DirEntry(names[i], ModeOf(row), row));
        }
        return Errno.Ok;
    }

    /// <summary>A control file of vol/V/ (info, xml, path, key, ctl, lease): its directory is
    /// its subject, and says which spec it has.</summary>
    private protected sealed class Row(VolumeControlDir dir) : TextNode
    {
        protected override TextFileSpec Spec => dir.SpecOf(this);

        protected override object? Subject => dir;
    }

    /// <summary>vol/V/data, the link to ../../volumes/V. Its target never changes, so the kernel
    /// may keep it (see <see cref="VSymlink"/>: the same answers).</summary>
    private sealed class DataLinkRow(VolumeControlDir dir) : Node, INodeReadlink
    {
        public override TimeSpan? EntryTimeout => TimeSpan.Zero;

        public override TimeSpan? AttrTimeout => TimeSpan.Zero;

        public override Errno GetAttr(RequestContext ctx, ref FuseAttr attr) =>
            Attr.Fill(ref attr, Modes.Lnk | 0x1FF, (ulong)System.Text.Encoding.UTF8.GetByteCount(dir.DataLink()));

        public Errno Readlink(RequestContext ctx, out string linkTarget)
        {
            linkTarget = dir.DataLink();
            return Errno.Ok;
        }
    }

    /// <summary>A cluster member's <c>vol/NAME/</c>, with the <c>lease</c> row.</summary>
    private sealed class WithLease : VolumeControlDir
    {
        private readonly Row _lease;

        public WithLease(VolumesDir volumes, string name)
            : base(volumes, name) => _lease = new Row(this);

        private protected override Row? Lease => _lease;
    }
}
