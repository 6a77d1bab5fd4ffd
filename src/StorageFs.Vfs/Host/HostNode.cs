using System.Runtime.InteropServices;

namespace StorageFs.Vfs.Host;

/// <summary>
/// A node mirroring one host file, directory or symlink. A root has a fixed host path; every
/// other node knows its directory and name, so a rename (of it or of a directory above it)
/// moves it without the kernel noticing, as the kernel moves its dentry. Attribute changes and
/// extended attributes never follow a final symlink, so a name swapped for a link on the host
/// cannot redirect the daemon's root privileges elsewhere.
/// </summary>
public abstract class HostNode : Node, INodeSetAttr, INodeXattr
{
    private readonly string? _fixedPath;
    private readonly ulong _ino;
    private readonly Lock _placesGate = new();
    // Every name the node has (hard links: several); replaced, never changed, so reads need no lock.
    private Place[] _places = [];

    /// <summary>A root: <paramref name="path"/> on the host.</summary>
    protected HostNode(string path, TimeSpan? timeout)
    {
        _fixedPath = path;
        Timeout = timeout;
        _ino = HostNative.Stat(path, follow: false, out var st) == 0 ? st.MountIno : 0;
    }

    private protected HostNode(HostDir parent, string name, ulong ino, TimeSpan? timeout)
    {
        _places = [new Place(parent, name)];
        _ino = ino;
        Timeout = timeout;
    }

    /// <summary>The host path (through the first name still there), or "" once every name is gone (unlinked, replaced, or under a gone directory).</summary>
    public string Path
    {
        get
        {
            if (_fixedPath is not null)
                return _fixedPath;
            foreach (var p in Volatile.Read(ref _places))
            {
                string path = p.Parent.Child(p.Name);
                if (path.Length > 0)
                    return path;
            }
            return "";
        }
    }

    protected TimeSpan? Timeout { get; }

    public override TimeSpan? EntryTimeout => Timeout;

    public override TimeSpan? AttrTimeout => Timeout;

    public override ulong Ino => _ino;

    /// <summary>Called for changes the host refuses (set on a root; children report through it).</summary>
    public Refusal? Refused { get; init; }

    /// <summary>Where the root shows below the mount, for error records (e.g. <c>fspools/f/items/a</c>).</summary>
    public string? Display { get; init; }

    /// <summary>A new name of this node (a hard link made through the mount).</summary>
    internal void AddPlace(HostDir parent, string name)
    {
        lock (_placesGate)
        {
            if (!_places.Any(p => p.Is(parent, name)))
                _places = [.. _places, new Place(parent, name)];
        }
    }

    /// <summary>A name of this node is gone (unlinked, renamed over, or now another file's).</summary>
    internal void RemovePlace(HostDir parent, string name)
    {
        lock (_placesGate)
            _places = [.. _places.Where(p => !p.Is(parent, name))];
    }

    /// <summary>A name of this node was renamed.</summary>
    internal void MovePlace(HostDir fromParent, string fromName, HostDir toParent, string toName)
    {
        lock (_placesGate)
            _places = [.. _places.Where(p => !p.Is(fromParent, fromName) && !p.Is(toParent, toName)), new Place(toParent, toName)];
    }

    private Place? First => Volatile.Read(ref _places) is { Length: > 0 } places ? places[0] : null;

    /// <summary>The path below the mount, for error records.</summary>
    internal string Shown => First is { } p ? p.Parent.Shown + "/" + p.Name : Display ?? _fixedPath ?? "";

    private Refusal? Reporter => First is { } p ? ((HostNode)p.Parent).Reporter : Refused;

    /// <summary>Records a refused change (<paramref name="child"/> names an entry of this directory) and returns its errno.</summary>
    internal Errno Refuse(RequestContext ctx, string op, string? child, int errno)
    {
        var err = (Errno)errno;
        string shown = child is null ? Shown : Shown + "/" + child;
        Reporter?.Invoke(ctx, op, shown, err, $"{op} {shown}: {Marshal.GetPInvokeErrorMessage(errno)}");
        return err;
    }

    public override Errno GetAttr(RequestContext ctx, ref FuseAttr attr) => HostStat.Fill(Path, ref attr, follow: false);

    public virtual Errno SetAttr(RequestContext ctx, in SetattrRequest request, FileHandle? handle, ref FuseAttr attr)
    {
        string path = Path;
        int err = 0;
        string op = "setattr";
        // chown before chmod: chown clears set-user-ID and set-group-ID bits.
        if (request.Has(SetattrValid.Uid) || request.Has(SetattrValid.Gid))
        {
            err = HostNative.Lchown(path, request.Has(SetattrValid.Uid) ? request.Uid : uint.MaxValue,
                request.Has(SetattrValid.Gid) ? request.Gid : uint.MaxValue);
            op = "chown";
        }
        if (err == 0 && request.Has(SetattrValid.Size))
        {
            op = "truncate";
            err = handle is BackingFileHandle open ? (int)open.Truncate((long)request.Size) : HostNative.Truncate(path, (long)request.Size);
        }
        if (err == 0 && request.Has(SetattrValid.Mode))
        {
            op = "chmod";
            err = HostNative.Chmod(path, request.Mode);
        }
        if (err == 0 && (request.Has(SetattrValid.Atime) || request.Has(SetattrValid.Mtime)))
        {
            op = "utimes";
            err = HostNative.SetTimes(path,
                request.Has(SetattrValid.Atime) ? request.AtimeExact ?? HostNative.Exact(request.Atime) : null, request.Has(SetattrValid.AtimeNow),
                request.Has(SetattrValid.Mtime) ? request.MtimeExact ?? HostNative.Exact(request.Mtime) : null, request.Has(SetattrValid.MtimeNow));
        }
        if (err != 0)
            return Refuse(ctx, op, null, err);
        return GetAttr(ctx, ref attr);
    }

    public Errno GetXattr(RequestContext ctx, string name, out byte[] value) => (Errno)HostNative.GetXattr(Path, name, out value);

    public Errno SetXattr(RequestContext ctx, string name, ReadOnlySpan<byte> value, int flags)
    {
        int err = HostNative.SetXattr(Path, name, value, flags);
        return err == 0 ? Errno.Ok : Refuse(ctx, "setxattr", null, err);
    }

    public Errno ListXattr(RequestContext ctx, List<string> names) => (Errno)HostNative.ListXattr(Path, names);

    public Errno RemoveXattr(RequestContext ctx, string name)
    {
        int err = HostNative.RemoveXattr(Path, name);
        return err == 0 ? Errno.Ok : Refuse(ctx, "removexattr", null, err);
    }

    private sealed record Place(HostDir Parent, string Name)
    {
        public bool Is(HostDir parent, string name) => ReferenceEquals(Parent, parent) && Name == name;
    }
}
