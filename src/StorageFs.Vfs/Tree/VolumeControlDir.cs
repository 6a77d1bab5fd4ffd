namespace StorageFs.Vfs.Tree;

/// <summary>
/// <c>pools/P/vol/V/</c>: a volume's control files (docs/TREE.md). There is one per volume the
/// kernel has looked up, a million after <c>ls -lR</c> of a million volumes, so it holds only
/// what differs between volumes: its pool's <see cref="VolumesDir"/> and the volume's name. Its
/// rows are the engine's slots of it (<see cref="INodeSlots"/>): a row object is made for a
/// request and dropped, the engine numbers the rows after the directory and counts their
/// lookups on it (six row objects held per volume cost 240 bytes). The row names, modes, the
/// files' renderers and its hint are shared (<see cref="PoolDirs.VolumePanelSpecs"/>); its path
/// is built only for an error record. A cluster member's also has a <c>lease</c> row, in a class
/// of its own (<see cref="Make"/>).
/// </summary>
internal class VolumeControlDir : FixedDir, IPanelSubject, INodeSlots
{
    private const string UseCtl = "use the commands of its ctl file";

    // The rows of every vol/V/, in order (a row's slot is its index); "lease" only on a cluster
    // member (docs/CLUSTER.md).
    private static readonly string[] Rows = ["info", "xml", "path", "key", "ctl", "data"];
    private static readonly string[] ClusterRows = [.. Rows, "lease"];
    private const int DataSlot = 5;

    private readonly VolumesDir _volumes;

    private VolumeControlDir(VolumesDir volumes, string name)
    {
        _volumes = volumes;
        Name = name;
    }

    /// <summary>The <c>vol/NAME/</c> of volume <paramref name="name"/> of <paramref name="volumes"/>'s pool.</summary>
    public static VolumeControlDir Make(VolumesDir volumes, string name) =>
        // A cluster member shows each volume's cluster write lease (docs/CLUSTER.md).
        volumes.Tree.Driver.Cluster is not null ? new WithLease(volumes, name) : new VolumeControlDir(volumes, name);

    // The row names: a cluster member's have "lease".
    private protected virtual string[] Names => Rows;

    public string Pool => _volumes.Pool;

    public string Name { get; }

    /// <summary>Where this directory shows: <c>pools/P/vol/V</c>.</summary>
    public string At => $"pools/{Pool}/vol/{Name}";

    public string DataLink() => $"../../volumes/{Name}";

    // The spec of a text row, by its slot.
    private TextFileSpec SpecOf(int slot)
    {
        var specs = _volumes.Tree.VolumePanel;
        return slot switch
        {
            0 => specs.Info,
            1 => specs.Xml,
            2 => specs.Path,
            3 => specs.Key,
            4 => specs.Ctl,
            _ => specs.Lease,
        };
    }

    public override uint Mode => Modes.Dir | Modes.DirReadOnly;

    public override string Where => At;

    protected override Refusal? RefusedTo => _volumes.Tree.Refused;

    protected override string? RefusalHint => UseCtl;

    public override TimeSpan? EntryTimeout => TimeSpan.FromSeconds(1);

    public override TimeSpan? AttrTimeout => TimeSpan.FromSeconds(1);

    public int SlotCount => Names.Length;

    public Node Slot(int index) => index == DataSlot ? new DataLinkRow(this) : new Row(this, index);

    public override Errno Lookup(RequestContext ctx, string name, out Node? child)
    {
        int at = Array.IndexOf(Names, name);
        child = at < 0 ? null : Slot(at);
        return child is null ? Errno.ENOENT : Errno.Ok;
    }

    public override Errno ReadDir(RequestContext ctx, List<DirEntry> entries)
    {
        string[] names = Names;
        for (int i = 0; i < names.Length; i++)
        {
            Node row = Slot(i);
            entries.Add(new DirEntry(names[i], ModeOf(row), row));
        }
        return Errno.Ok;
    }

    /// <summary>A control file of vol/V/ (info, xml, path, key, ctl, lease): its directory is
    /// its subject, and its slot says which spec it has.</summary>
    private sealed class Row(VolumeControlDir dir, int slot) : TextNode, INodeSlot
    {
        protected override TextFileSpec Spec => dir.SpecOf(slot);

        protected override object? Subject => dir;

        public Node SlotParent => dir;

        public int SlotIndex => slot;
    }

    /// <summary>vol/V/data, the link to ../../volumes/V. Its target never changes, so the kernel
    /// may keep it (see <see cref="VSymlink"/>: the same answers).</summary>
    private sealed class DataLinkRow(VolumeControlDir dir) : Node, INodeReadlink, INodeSlot
    {
        public override TimeSpan? EntryTimeout => TimeSpan.Zero;

        public override TimeSpan? AttrTimeout => TimeSpan.Zero;

        public Node SlotParent => dir;

        public int SlotIndex => DataSlot;

        public override Errno GetAttr(RequestContext ctx, ref FuseAttr attr) =>
            Attr.Fill(ref attr, Modes.Lnk | 0x1FF, (ulong)System.Text.Encoding.UTF8.GetByteCount(dir.DataLink()));

        public Errno Readlink(RequestContext ctx, out string linkTarget)
        {
            linkTarget = dir.DataLink();
            return Errno.Ok;
        }
    }

    /// <summary>A cluster member's <c>vol/NAME/</c>, with the <c>lease</c> row.</summary>
    private sealed class WithLease(VolumesDir volumes, string name) : VolumeControlDir(volumes, name)
    {
        private protected override string[] Names => ClusterRows;
    }
}
