using StorageFs.Fuse;
using StorageFs.Fuse.Abi;
using StorageFs.Fuse.Nodes;
using StorageFs.Interop;

namespace StorageFs.Demo;

/// <summary>
/// Common part of the demo filesystem's in-memory nodes: mode, owner, times and extended
/// attributes, all under one lock per node.
/// </summary>
internal abstract class MemNode : Node, INodeSetAttr, INodeXattr
{
    public const uint S_IFMT = 0xF000;
    public const uint S_IFDIR = 0x4000;
    public const uint S_IFREG = 0x8000;
    public const uint S_IFLNK = 0xA000;

    private Dictionary<string, byte[]>? _xattrs;

    protected MemNode(uint mode, uint uid, uint gid)
    {
        Mode = mode;
        Uid = uid;
        Gid = gid;
        Atime = Mtime = Ctime = DateTimeOffset.UtcNow;
    }

    protected Lock Gate { get; } = new();

    public uint Mode { get; protected set; }

    public uint Uid { get; private set; }

    public uint Gid { get; private set; }

    public int Links { get; set; } = 1;

    public DateTimeOffset Atime { get; protected set; }

    public DateTimeOffset Mtime { get; protected set; }

    public DateTimeOffset Ctime { get; protected set; }

    protected virtual long Size => 0;

    protected virtual uint LinkCount => (uint)Links;

    public override Errno GetAttr(RequestContext ctx, ref FuseAttr attr)
    {
        lock (Gate)
        {
            attr.Mode = Mode;
            attr.Nlink = LinkCount;
            attr.Uid = Uid;
            attr.Gid = Gid;
            attr.Size = (ulong)Size;
            attr.Blocks = (ulong)((Size + 511) / 512);
            attr.Blksize = 4096;
            Stamp(Atime, out attr.Atime, out attr.AtimeNsec);
            Stamp(Mtime, out attr.Mtime, out attr.MtimeNsec);
            Stamp(Ctime, out attr.Ctime, out attr.CtimeNsec);
        }
        return Errno.Ok;
    }

    private static void Stamp(DateTimeOffset t, out ulong sec, out uint nsec)
    {
        long ticks = Math.Max(0, t.UtcTicks - DateTime.UnixEpoch.Ticks);
        sec = (ulong)(ticks / TimeSpan.TicksPerSecond);
        nsec = (uint)(ticks % TimeSpan.TicksPerSecond * 100);
    }

    public virtual Errno SetAttr(RequestContext ctx, in SetattrRequest request, FileHandle? handle, ref FuseAttr attr)
    {
        if (request.Has(SetattrValid.Size))
        {
            Errno err = Truncate((long)request.Size);
            if (err != Errno.Ok)
                return err;
        }
        lock (Gate)
        {
            if (request.Has(SetattrValid.Mode))
                Mode = (Mode & S_IFMT) | (request.Mode & ~S_IFMT);
            if (request.Has(SetattrValid.Uid))
                Uid = request.Uid;
            if (request.Has(SetattrValid.Gid))
                Gid = request.Gid;
            if (request.Has(SetattrValid.Atime))
                Atime = request.Atime;
            if (request.Has(SetattrValid.Mtime))
                Mtime = request.Mtime;
            Ctime = DateTimeOffset.UtcNow;
        }
        return GetAttr(ctx, ref attr);
    }

    protected virtual Errno Truncate(long size) => Errno.EISDIR;

    protected void Touch()
    {
        lock (Gate)
            Mtime = Ctime = DateTimeOffset.UtcNow;
    }

    public Errno GetXattr(RequestContext ctx, string name, out byte[] value)
    {
        lock (Gate)
        {
            if (_xattrs is not null && _xattrs.TryGetValue(name, out var v))
            {
                value = v;
                return Errno.Ok;
            }
        }
        value = [];
        return Errno.ENODATA;
    }

    public Errno SetXattr(RequestContext ctx, string name, ReadOnlySpan<byte> value, int flags)
    {
        lock (Gate)
        {
            _xattrs ??= [];
            bool exists = _xattrs.ContainsKey(name);
            if ((flags & 1) != 0 && exists) // XATTR_CREATE
                return Errno.EEXIST;
            if ((flags & 2) != 0 && !exists) // XATTR_REPLACE
                return Errno.ENODATA;
            _xattrs[name] = value.ToArray();
            Ctime = DateTimeOffset.UtcNow;
        }
        return Errno.Ok;
    }

    public Errno ListXattr(RequestContext ctx, List<string> names)
    {
        lock (Gate)
        {
            if (_xattrs is not null)
                names.AddRange(_xattrs.Keys);
        }
        return Errno.Ok;
    }

    public Errno RemoveXattr(RequestContext ctx, string name)
    {
        lock (Gate)
            return _xattrs is not null && _xattrs.Remove(name) ? Errno.Ok : Errno.ENODATA;
    }
}
