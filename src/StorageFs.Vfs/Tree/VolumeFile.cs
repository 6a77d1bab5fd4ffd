using StorageFs.Core;
using StorageFs.Core.Backend;
using StorageFs.Core.Driver;
using StorageFs.Vfs.Host;

namespace StorageFs.Vfs.Tree;

/// <summary>
/// <c>pools/&lt;p&gt;/volumes/&lt;v&gt;</c>: the volume's stored bytes as a regular file. Opening it
/// registers a download (read) or upload (write) with the driver, so a wipe or delete cannot run
/// under it; the data itself goes through FUSE passthrough on the host file when the volume is
/// one. <c>O_TRUNC</c> of a non-empty volume and shrinking truncates are refused (EPERM), so a
/// stray <c>&gt;</c> loses nothing; a growing truncate resizes the volume.
/// </summary>
internal sealed class VolumeFile(StorageTree tree, string pool, string name) : Node, INodeOpen, INodeSetAttr
{
    private const int O_ACCMODE = 3, O_TRUNC = 0x200;

    public string Pool { get; } = pool;

    public string Name { get; } = name;

    public override TimeSpan? EntryTimeout => TimeSpan.FromSeconds(1);

    public override TimeSpan? AttrTimeout => TimeSpan.FromSeconds(1);

    public override Errno GetAttr(RequestContext ctx, ref FuseAttr attr)
    {
        try
        {
            // A volume still being created has no path yet: its definition answers (issue 11
            // item 5: GetVolumePath's error for it was EIO to ls -l during a create).
            string? path = tree.Driver.FindVolumePath(Pool, Name);
            if (path is not null && File.Exists(path))
                return HostStat.Fill(path, ref attr);
            var info = tree.Driver.GetVolumeInfo(Pool, Name);
            return Attr.Fill(ref attr, Modes.Reg | 0x180, info.Capacity);
        }
        catch (StorageException e)
        {
            return ErrnoMap.From(e);
        }
    }

    public Errno Open(RequestContext ctx, int flags, out FileHandle? handle)
    {
        handle = null;
        bool write = (flags & O_ACCMODE) != 0;
        if (write && ctx.Uid != 0)
            return tree.Fail(ctx, "open", $"pools/{Pool}/volumes/{Name}", Errno.EACCES, "only root may write volumes");
        Stream? use = null;
        try
        {
            string? path = tree.Driver.GetVolumePath(Pool, Name);
            if ((flags & O_TRUNC) != 0 && path is not null && File.Exists(path) && new FileInfo(path).Length > 0)
                return tree.Fail(ctx, "open", $"pools/{Pool}/volumes/{Name}", Errno.EPERM,
                    $"refusing to truncate volume '{Name}' on open: shrink or overwrite it through vol/{Name}/ctl");
            use = tree.Driver.OpenVolume(Pool, Name, write ? VolumeAccessMode.Write : VolumeAccessMode.Read);
            if (path is not null && File.Exists(path))
            {
                Errno err = BackingFileHandle.Open(path, flags & ~O_TRUNC, out var backing);
                if (err != Errno.Ok)
                {
                    use.Dispose();
                    return err;
                }
                handle = new VolumeHandle(backing!, use);
            }
            else
            {
                handle = new StreamVolumeHandle(use);
            }
            return Errno.Ok;
        }
        catch (StorageException e)
        {
            use?.Dispose();
            return tree.Fail(ctx, "open", $"pools/{Pool}/volumes/{Name}", ErrnoMap.From(e), e.Message);
        }
    }

    public Errno SetAttr(RequestContext ctx, in SetattrRequest request, FileHandle? handle, ref FuseAttr attr)
    {
        string where = $"pools/{Pool}/volumes/{Name}";
        if (request.Has(SetattrValid.Mode) || request.Has(SetattrValid.Uid) || request.Has(SetattrValid.Gid))
            return tree.Fail(ctx, "setattr", where, Errno.EPERM, "volume permissions come from its XML <permissions>");
        if (request.Has(SetattrValid.Size))
        {
            if (ctx.Uid != 0)
                return tree.Fail(ctx, "truncate", where, Errno.EACCES, "only root may resize volumes");
            try
            {
                var info = tree.Driver.GetVolumeInfo(Pool, Name);
                string? path = info.Path;
                ulong stored = path is not null && File.Exists(path) ? (ulong)new FileInfo(path).Length : info.Capacity;
                if (request.Size < stored)
                    return tree.Fail(ctx, "truncate", where, Errno.EPERM,
                        $"refusing to shrink volume '{Name}' by truncate: use 'resize SIZE shrink' in vol/{Name}/ctl");
                if (request.Size > stored)
                {
                    if (handle is BackingFileHandle open)
                    {
                        // truncate(1) and ftruncate hold the volume open for writing, so the driver
                        // would call it busy: grow through that open descriptor instead (raw only:
                        // other formats' files are not their capacity). Closing it re-reads the volume.
                        if (info.Format is not (null or "raw"))
                            return tree.Fail(ctx, "truncate", where, Errno.EPERM,
                                $"a {info.Format} volume grows with 'resize SIZE' in vol/{Name}/ctl, not by truncate");
                        Errno err = open.Truncate((long)request.Size);
                        if (err != Errno.Ok)
                            return tree.Fail(ctx, "truncate", where, err, $"cannot grow volume '{Name}': {err}");
                    }
                    else
                    {
                        tree.Driver.ResizeVolume(Pool, Name, request.Size);
                    }
                }
            }
            catch (StorageException e)
            {
                return tree.Fail(ctx, "truncate", where, ErrnoMap.From(e), e.Message);
            }
        }
        return GetAttr(ctx, ref attr);
    }

    /// <summary>A file volume: data through the backing file (passthrough), the driver's stream held for the lifetime of the open.</summary>
    private sealed class VolumeHandle(BackingFileHandle backing, Stream use) : BackingFileHandle(backing.TakeFile())
    {
        public override void Release()
        {
            base.Release();
            use.Dispose();
        }
    }

    /// <summary>A volume without a host file (block devices, network LUNs): data through the driver's stream.</summary>
    private sealed class StreamVolumeHandle(Stream stream) : FileHandle
    {
        private readonly Lock _gate = new();

        public override Errno Read(RequestContext ctx, long offset, Span<byte> buffer, out int bytesRead)
        {
            lock (_gate)
            {
                stream.Position = offset;
                bytesRead = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
            }
            return Errno.Ok;
        }

        public override Errno Write(RequestContext ctx, long offset, ReadOnlySpan<byte> data, out int bytesWritten)
        {
            lock (_gate)
            {
                stream.Position = offset;
                stream.Write(data);
            }
            bytesWritten = data.Length;
            return Errno.Ok;
        }

        public override void Release() => stream.Dispose();
    }
}
