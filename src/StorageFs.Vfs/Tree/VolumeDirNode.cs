using StorageFs.Core;
using StorageFs.Core.Driver;
using StorageFs.Vfs.Real;

namespace StorageFs.Vfs.Tree;

/// <summary>
/// An entry of a volume stored as a directory (a <c>dir</c> or ploop volume, an fs pool's
/// lost+found), shown read-only below <c>volumes/VOL/</c>: the host's own files, modes, owners,
/// sizes and times. No node holds a host descriptor between calls (so a stopped fs pool can
/// always be unmounted): each call asks the driver to open the volume's directory
/// (<see cref="StorageDriver.OpenVolumeDirectory"/>: the backend's descriptor of the pool's
/// entry, and a read lease for the call), then reaches the entry by its path relative to that
/// descriptor with openat2 RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS and
/// O_NOFOLLOW, so a link or rename anywhere below can never lead outside the volume.
/// Every change is refused with EROFS and recorded in <c>errors</c>: the volume is changed with
/// <c>vol/VOL/ctl</c> (wipe, resize, delete), as libvirt offers no other writer for it.
/// </summary>
internal abstract class VolumeDirNode : Node, INodeSetAttr
{
    private const string ReadOnlyHint = "a directory volume is read-only in volumes/: change it with wipe, resize or delete in vol/{0}/ctl, or on the host";

    private readonly ulong _ino;

    private protected VolumeDirNode(StorageTree tree, VolumeDirectory? parent, string pool, string volume, string relative, ulong ino)
    {
        Tree = tree;
        Parent = parent;
        Pool = pool;
        Volume = volume;
        Relative = relative;
        _ino = ino;
    }

    protected StorageTree Tree { get; }

    /// <summary>The directory holding this entry; null for the volume itself.</summary>
    protected VolumeDirectory? Parent { get; }

    public string Pool { get; }

    public string Volume { get; }

    /// <summary>The path below the volume's directory ("" for the volume itself).</summary>
    public string Relative { get; }

    /// <summary>The host file's number (hard links share it); 0 for the volume itself, which the engine numbers.</summary>
    public override ulong Ino => _ino;

    public override TimeSpan? EntryTimeout => TimeSpan.FromSeconds(1);

    public override TimeSpan? AttrTimeout => TimeSpan.FromSeconds(1);

    protected override bool EndsWhenForgotten => Parent is not null;

    protected override void Forgotten() => Parent?.Drop(this);

    /// <summary>Where this entry shows below the mount, for error records.</summary>
    internal string Where => Relative.Length == 0 ? $"pools/{Pool}/volumes/{Volume}" : $"pools/{Pool}/volumes/{Volume}/{Relative}";

    /// <summary>Records a refused change of the read-only volume and returns EROFS.</summary>
    protected Errno ReadOnly(RequestContext ctx, string op, string? child = null) =>
        Tree.Fail(ctx, op, child is null ? Where : Where + "/" + child, Errno.EROFS,
            string.Format(System.Globalization.CultureInfo.InvariantCulture, ReadOnlyHint, Volume));

    /// <summary>
    /// Runs <paramref name="use"/> with an O_PATH descriptor of this entry (the volume's directory
    /// itself for the volume), under a lease on the volume for the call.
    /// </summary>
    protected Errno WithEntry(Func<int, Errno> use)
    {
        Errno refused = StorageTree.Ask((Tree.Driver, Pool, Volume), static s => s.Driver.OpenVolumeDirectory(s.Pool, s.Volume), out var opened);
        if (opened is null)
            return refused;
        using (opened)
        {
            int dir = (int)opened.Directory.DangerousGetHandle();
            if (Relative.Length == 0)
                return use(dir);
            int err = RealNative.OpenBeneath(dir, Relative, RealNative.O_PATH, 0, out int fd);
            if (err != 0)
                return (Errno)err;
            try
            {
                return use(fd);
            }
            finally
            {
                RealNative.CloseFd(fd);
            }
        }
    }

    public override Errno GetAttr(RequestContext ctx, ref FuseAttr attr)
    {
        RealStatus st = default;
        Errno err = WithEntry(fd => (Errno)RealNative.StatFd(fd, out st));
        if (err != Errno.Ok)
            return err;
        st.Fill(ref attr);
        return Errno.Ok;
    }

    public Errno SetAttr(RequestContext ctx, in SetattrRequest request, FileHandle? handle, ref FuseAttr attr) =>
        ReadOnly(ctx, request.Has(SetattrValid.Size) ? "truncate" : "setattr");
}
