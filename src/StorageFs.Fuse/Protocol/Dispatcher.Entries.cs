using System.Text;
using System.Text.Unicode;
using StorageFs.Fuse.Nodes;

namespace StorageFs.Fuse.Protocol;

// Name and attribute operations: everything that works on inodes and directory entries.
internal sealed partial class Dispatcher
{
    /// <summary>Reads a NUL-terminated name. Invalid UTF-8 is refused (EILSEQ) rather than mangled.</summary>
    private static Errno TakeName(ref ReadOnlySpan<byte> data, out string name)
    {
        name = "";
        int nul = data.IndexOf((byte)0);
        if (nul < 0)
            return Errno.EINVAL;
        ReadOnlySpan<byte> raw = data[..nul];
        if (!Utf8.IsValid(raw))
            return Errno.EILSEQ;
        name = Encoding.UTF8.GetString(raw);
        data = data[(nul + 1)..];
        return Errno.Ok;
    }

    /// <summary>Reads the name that follows a <paramref name="headSize"/>-byte struct and resolves the request's node as <typeparamref name="T"/>.</summary>
    private Errno NameAndNode<T>(in Request r, int headSize, out string name, out T? node)
        where T : class
    {
        node = null;
        var body = r.Body[headSize..];
        Errno err = TakeName(ref body, out name);
        return err != Errno.Ok ? err : Resolve(r.NodeId, out node);
    }

    private Errno Resolve<T>(ulong nodeId, out T? node)
        where T : class
    {
        Node? n = _nodes.Get(nodeId);
        node = n as T;
        if (n is null)
        {
            _log.Warning("Request for unknown node id {Node}", nodeId);
            return Errno.ESTALE;
        }
        return Errno.Ok;
    }

    /// <summary>Counts a lookup on <paramref name="child"/> and fills the entry reply; undoes the count on failure. ESTALE for a node that has ended.</summary>
    private Errno FillEntry(Node child, RequestContext ctx, ref Wire.FuseEntryOut e)
    {
        ulong id = _nodes.AddLookup(child);
        if (id == 0)
            return Errno.ESTALE;
        e.NodeId = id;
        e.Generation = 0;
        SplitTime(child.EntryTimeout ?? _options.EntryTimeout, out e.EntryValid, out e.EntryValidNsec);
        SplitTime(child.AttrTimeout ?? _options.AttrTimeout, out e.AttrValid, out e.AttrValidNsec);
        e.Attr = default;
        e.Attr.Ino = _nodes.InoOf(child);
        Errno err = child.GetAttr(ctx, ref e.Attr);
        if (err != Errno.Ok)
            _nodes.Forget(id, 1);
        return err;
    }

    private Errno ReplyEntry(Errno err, Node? child, RequestContext ctx, Span<byte> reply, out int length)
    {
        length = 0;
        if (err != Errno.Ok)
            return err;
        if (child is null)
        {
            _log.Error("A node reported success but returned no child");
            return Errno.EIO;
        }
        err = FillEntry(child, ctx, ref Out<Wire.FuseEntryOut>(reply));
        if (err == Errno.Ok)
            length = Unsafe.SizeOf<Wire.FuseEntryOut>();
        return err;
    }

    internal Errno Lookup(in Request r, Span<byte> reply, out int length)
    {
        length = 0;
        Errno err = NameAndNode(r, 0, out string name, out INodeLookup? dir);
        if (err != Errno.Ok)
            return err;
        if (dir is null)
            return Errno.ENOENT;
        // A node forgotten (and ended) between the directory's answer and the count is asked
        // for once more: the directory then makes a new one.
        for (int attempt = 0; ; attempt++)
        {
            err = dir.Lookup(r.Context, name, out Node? child);
            if (err == Errno.Ok && child is null)
                err = Errno.ENOENT;
            if (err == Errno.ENOENT && _options.NegativeTimeout > TimeSpan.Zero)
            {
                ref var e = ref Out<Wire.FuseEntryOut>(reply);
                SplitTime(_options.NegativeTimeout, out e.EntryValid, out e.EntryValidNsec);
                length = Unsafe.SizeOf<Wire.FuseEntryOut>();
                return Errno.Ok;
            }
            err = ReplyEntry(err, child, r.Context, reply, out length);
            if (err != Errno.ESTALE || child is not { IsEnded: true } || attempt == 3)
                return err;
        }
    }

    internal Errno Forget(in Request r, out int length)
    {
        length = 0;
        ForgetNode(r.NodeId, r.Read<Wire.FuseForgetIn>().Nlookup);
        return Errno.Ok;
    }

    /// <summary>The kernel drops <paramref name="count"/> lookups of a node; a directory it forgot
    /// entirely takes the kernel's cached listing with it (<see cref="ListingCache.Forgotten"/>).</summary>
    private void ForgetNode(ulong nodeId, ulong count)
    {
        Node? node = Volatile.Read(ref _listingsMade) ? _nodes.Held(nodeId) : null;
        _nodes.Forget(nodeId, count);
        if (node is not null && Volatile.Read(ref node.Lookups) <= 0 && _listings.TryGetValue(node, out var cache))
            cache.Forgotten();
    }

    internal Errno BatchForget(in Request r, out int length)
    {
        length = 0;
        var head = r.Read<Wire.FuseBatchForgetIn>();
        var items = r.Body[Unsafe.SizeOf<Wire.FuseBatchForgetIn>()..];
        int size = Unsafe.SizeOf<Wire.FuseForgetOne>();
        if ((ulong)head.Count * (ulong)size > (ulong)items.Length)
        {
            _log.Warning("Malformed BATCH_FORGET: {Count} entries declared, {Bytes} bytes present", head.Count, items.Length);
            return Errno.EINVAL;
        }
        foreach (var one in MemoryMarshal.Cast<byte, Wire.FuseForgetOne>(items[..(int)(head.Count * size)]))
            ForgetNode(one.NodeId, one.Nlookup);
        return Errno.Ok;
    }

    private Errno ReplyAttr(Node node, FileHandle? handle, RequestContext ctx, Span<byte> reply, out int length)
    {
        length = 0;
        ref var o = ref Out<Wire.FuseAttrOut>(reply);
        SplitTime(node.AttrTimeout ?? _options.AttrTimeout, out o.AttrValid, out o.AttrValidNsec);
        o.Attr.Ino = _nodes.InoOf(node);
        Errno err = handle is null ? node.GetAttr(ctx, ref o.Attr) : node.GetAttr(ctx, handle, ref o.Attr);
        if (err == Errno.Ok)
            length = Unsafe.SizeOf<Wire.FuseAttrOut>();
        return err;
    }

    internal Errno Getattr(in Request r, Span<byte> reply, out int length)
    {
        length = 0;
        Errno err = Resolve(r.NodeId, out Node? node);
        if (err != Errno.Ok)
            return err;
        var g = r.Read<Wire.FuseGetattrIn>();
        FileHandle? handle = (g.GetattrFlags & Wire.GetattrFh) != 0 ? _files.Get(g.Fh)?.Handle : null;
        return ReplyAttr(node!, handle, r.Context, reply, out length);
    }

    private static DateTimeOffset FromUnix(ulong sec, uint nsec) =>
        DateTimeOffset.UnixEpoch.AddTicks((long)Math.Min(sec, (ulong)(long.MaxValue / TimeSpan.TicksPerSecond / 2)) * TimeSpan.TicksPerSecond + nsec / 100);

    internal Errno Setattr(in Request r, Span<byte> reply, out int length)
    {
        length = 0;
        Errno err = Resolve(r.NodeId, out Node? node);
        if (err != Errno.Ok)
            return err;
        if (node is not INodeSetAttr setter)
            return Errno.EPERM;
        var s = r.Read<Wire.FuseSetattrIn>();
        var valid = (SetattrValid)s.Valid;
        DateTimeOffset now = DateTimeOffset.UtcNow;
        if ((valid & SetattrValid.AtimeNow) != 0)
            valid |= SetattrValid.Atime;
        if ((valid & SetattrValid.MtimeNow) != 0)
            valid |= SetattrValid.Mtime;
        var request = new SetattrRequest(
            valid, s.Size, s.Mode, s.Uid, s.Gid,
            (valid & SetattrValid.AtimeNow) != 0 ? now : FromUnix(s.Atime, s.AtimeNsec),
            (valid & SetattrValid.MtimeNow) != 0 ? now : FromUnix(s.Mtime, s.MtimeNsec))
        {
            AtimeExact = (valid & (SetattrValid.Atime | SetattrValid.AtimeNow)) == SetattrValid.Atime ? ((long)s.Atime, s.AtimeNsec) : null,
            MtimeExact = (valid & (SetattrValid.Mtime | SetattrValid.MtimeNow)) == SetattrValid.Mtime ? ((long)s.Mtime, s.MtimeNsec) : null,
        };
        if (KillprivV2)
            request = WithKilledSuidSgid(node, r.Context, request);
        FileHandle? handle = (valid & SetattrValid.Fh) != 0 ? _files.Get(s.Fh)?.Handle : null;

        ref var o = ref Out<Wire.FuseAttrOut>(reply);
        SplitTime(node.AttrTimeout ?? _options.AttrTimeout, out o.AttrValid, out o.AttrValidNsec);
        o.Attr.Ino = _nodes.InoOf(node);
        err = setter.SetAttr(r.Context, request, handle, ref o.Attr);
        if (err == Errno.Ok)
            length = Unsafe.SizeOf<Wire.FuseAttrOut>();
        return err;
    }

    internal Errno Readlink(in Request r, Span<byte> reply, out int length)
    {
        length = 0;
        Errno err = Resolve(r.NodeId, out INodeReadlink? link);
        if (err != Errno.Ok)
            return err;
        if (link is null)
            return Errno.EINVAL;
        err = link.Readlink(r.Context, out string target);
        if (err != Errno.Ok)
            return err;
        if (!Encoding.UTF8.TryGetBytes(target, reply, out length))
            return Errno.ENAMETOOLONG;
        return Errno.Ok;
    }

    internal Errno Symlink(in Request r, Span<byte> reply, out int length)
    {
        length = 0;
        var body = r.Body;
        string linkTarget = "";
        Errno err = TakeName(ref body, out string name);
        if (err == Errno.Ok)
            err = TakeName(ref body, out linkTarget);
        if (err != Errno.Ok)
            return err;
        err = Resolve(r.NodeId, out INodeSymlink? dir);
        if (err != Errno.Ok)
            return err;
        if (dir is null)
            return Errno.EPERM;
        err = dir.Symlink(r.Context, linkTarget, name, out Node? child);
        return ReplyEntry(err, child, r.Context, reply, out length);
    }

    internal Errno Mknod(in Request r, Span<byte> reply, out int length)
    {
        length = 0;
        var m = r.Read<Wire.FuseMknodIn>();
        Errno err = NameAndNode(r, Unsafe.SizeOf<Wire.FuseMknodIn>(), out string name, out INodeMknod? maker);
        if (err != Errno.Ok)
            return err;
        if (maker is null)
            return Errno.EPERM;
        err = maker.Mknod(r.Context, name, m.Mode, m.Rdev, out Node? child);
        return ReplyEntry(err, child, r.Context, reply, out length);
    }

    internal Errno Mkdir(in Request r, Span<byte> reply, out int length)
    {
        length = 0;
        var m = r.Read<Wire.FuseMkdirIn>();
        Errno err = NameAndNode(r, Unsafe.SizeOf<Wire.FuseMkdirIn>(), out string name, out INodeMkdir? dir);
        if (err != Errno.Ok)
            return err;
        if (dir is null)
            return Errno.EPERM;
        err = dir.Mkdir(r.Context, name, m.Mode, out Node? child);
        return ReplyEntry(err, child, r.Context, reply, out length);
    }

    internal Errno Unlink(in Request r, out int length)
    {
        length = 0;
        Errno err = NameAndNode(r, 0, out string name, out INodeUnlink? dir);
        if (err != Errno.Ok)
            return err;
        return dir is null ? Errno.EPERM : dir.Unlink(r.Context, name);
    }

    internal Errno Rmdir(in Request r, out int length)
    {
        length = 0;
        Errno err = NameAndNode(r, 0, out string name, out INodeRmdir? dir);
        if (err != Errno.Ok)
            return err;
        return dir is null ? Errno.EPERM : dir.Rmdir(r.Context, name);
    }

    internal Errno Rename(in Request r, out int length) =>
        DoRename(r, r.Read<Wire.FuseRenameIn>().NewDir, 0, Unsafe.SizeOf<Wire.FuseRenameIn>(), out length);

    internal Errno Rename2(in Request r, out int length)
    {
        var a = r.Read<Wire.FuseRename2In>();
        return DoRename(r, a.NewDir, a.Flags, Unsafe.SizeOf<Wire.FuseRename2In>(), out length);
    }

    private Errno DoRename(in Request r, ulong newDirId, uint flags, int headSize, out int length)
    {
        length = 0;
        var body = r.Body[headSize..];
        string newName = "";
        Errno err = TakeName(ref body, out string oldName);
        if (err == Errno.Ok)
            err = TakeName(ref body, out newName);
        if (err != Errno.Ok)
            return err;
        err = Resolve(r.NodeId, out INodeRename? dir);
        if (err != Errno.Ok)
            return err;
        err = Resolve(newDirId, out Node? newDir);
        if (err != Errno.Ok)
            return err;
        return dir is null ? Errno.EPERM : dir.Rename(r.Context, oldName, newDir!, newName, flags);
    }

    internal Errno Link(in Request r, Span<byte> reply, out int length)
    {
        length = 0;
        var l = r.Read<Wire.FuseLinkIn>();
        Errno err = NameAndNode(r, Unsafe.SizeOf<Wire.FuseLinkIn>(), out string name, out INodeLink? dir);
        if (err != Errno.Ok)
            return err;
        err = Resolve(l.OldNodeId, out Node? target);
        if (err != Errno.Ok)
            return err;
        if (dir is null)
            return Errno.EPERM;
        err = dir.Link(r.Context, target!, name, out Node? child);
        return ReplyEntry(err, child, r.Context, reply, out length);
    }

    internal Errno Statfs(in Request r, Span<byte> reply, out int length)
    {
        length = Unsafe.SizeOf<Wire.FuseStatfsOut>();
        ref var o = ref Out<Wire.FuseStatfsOut>(reply);
        o.St.Bsize = 4096;
        o.St.Frsize = 4096;
        o.St.Namelen = 255;
        // A node without its own STATFS reports the root's figures.
        var statfs = _nodes.Get(r.NodeId) as INodeStatfs ?? _nodes.Root as INodeStatfs;
        if (statfs is null)
            return Errno.Ok;
        Errno err = statfs.Statfs(r.Context, ref o.St);
        if (err != Errno.Ok)
            length = 0;
        return err;
    }

    internal Errno Access(in Request r, out int length)
    {
        length = 0;
        Errno err = Resolve(r.NodeId, out INodeAccess? node);
        if (err != Errno.Ok)
            return err;
        return node is null ? Errno.Ok : node.Access(r.Context, (int)r.Read<Wire.FuseAccessIn>().Mask);
    }

    // ---- extended attributes -----------------------------------------------------------------

    internal Errno Setxattr(in Request r, out int length)
    {
        length = 0;
        var s = MemoryMarshal.Read<Wire.FuseGetxattrIn>(r.Body); // size, flags: the 8-byte compat layout
        var body = r.Body[Wire.FuseSetxattrInCompatSize..];
        Errno err = TakeName(ref body, out string name);
        if (err != Errno.Ok)
            return err;
        if ((ulong)s.Size > (ulong)body.Length)
            return Errno.EINVAL;
        err = Resolve(r.NodeId, out INodeXattr? node);
        if (err != Errno.Ok)
            return err;
        return node is null ? Errno.EOPNOTSUPP : node.SetXattr(r.Context, name, body[..(int)s.Size], (int)s.Padding);
    }

    internal Errno Getxattr(in Request r, Span<byte> reply, out int length)
    {
        length = 0;
        var g = r.Read<Wire.FuseGetxattrIn>();
        Errno err = NameAndNode(r, Unsafe.SizeOf<Wire.FuseGetxattrIn>(), out string name, out INodeXattr? node);
        if (err != Errno.Ok)
            return err;
        if (node is null)
            return Errno.EOPNOTSUPP; // as procfs or vfat: this file has no extended attributes at all
        err = node.GetXattr(r.Context, name, out byte[] value);
        if (err != Errno.Ok)
            return err;
        return SizedReply(value, g.Size, reply, out length);
    }

    internal Errno Listxattr(in Request r, Span<byte> reply, out int length)
    {
        length = 0;
        var g = r.Read<Wire.FuseGetxattrIn>();
        Errno err = Resolve(r.NodeId, out INodeXattr? node);
        if (err != Errno.Ok)
            return err;
        var names = new List<string>();
        if (node is not null)
        {
            err = node.ListXattr(r.Context, names);
            if (err != Errno.Ok)
                return err;
        }
        var all = new List<byte>();
        foreach (string n in names)
        {
            all.AddRange(Encoding.UTF8.GetBytes(n));
            all.Add(0);
        }
        return SizedReply(all.ToArray(), g.Size, reply, out length);
    }

    /// <summary>getxattr/listxattr size protocol: size 0 asks for the length; too small a size is ERANGE.</summary>
    private static Errno SizedReply(ReadOnlySpan<byte> value, uint size, Span<byte> reply, out int length)
    {
        length = 0;
        if (size == 0)
        {
            ref var o = ref Out<Wire.FuseGetxattrOut>(reply);
            o.Size = (uint)value.Length;
            length = Unsafe.SizeOf<Wire.FuseGetxattrOut>();
            return Errno.Ok;
        }
        if (value.Length > size || value.Length > reply.Length)
            return Errno.ERANGE;
        value.CopyTo(reply);
        length = value.Length;
        return Errno.Ok;
    }

    internal Errno Removexattr(in Request r, out int length)
    {
        length = 0;
        Errno err = NameAndNode(r, 0, out string name, out INodeXattr? node);
        if (err != Errno.Ok)
            return err;
        return node is null ? Errno.EOPNOTSUPP : node.RemoveXattr(r.Context, name);
    }
}
