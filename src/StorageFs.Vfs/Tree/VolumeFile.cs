using Microsoft.Win32.SafeHandles;
using StorageFs.Core;
using StorageFs.Core.Backend;
using StorageFs.Core.Driver;
using StorageFs.Vfs.Host;

namespace StorageFs.Vfs.Tree;

/// <summary>
/// <c>pools/&lt;p&gt;/volumes/&lt;v&gt;</c>: the volume's stored bytes as a regular file. An open
/// asks the driver, which has the backend open the volume once and takes a lease on it (so a
/// wipe, resize or delete cannot run under it); the backend's descriptor is the handle's backing
/// file, served through FUSE passthrough, and the only descriptor the open costs. Opens never
/// exclude each other (see <see cref="StorageDriver.OpenVolume"/>), so closing and reopening at
/// once always works. <c>O_TRUNC</c> of a non-empty volume and shrinking truncates are refused
/// (EPERM), so a stray <c>&gt;</c> loses nothing; a growing truncate resizes the volume.
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
            // A volume still being created has no path yet: its definition answers
            // (item 5: GetVolumePath's error for it was EIO to ls -l during a create).
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
        string where = $"pools/{Pool}/volumes/{Name}";
        bool write = (flags & O_ACCMODE) != 0;
        if (write && ctx.Uid != 0)
            return tree.Fail(ctx, "open", where, Errno.EACCES, "only root may write volumes");
        OpenedVolume? opened = null;
        try
        {
            opened = tree.Driver.OpenVolume(Pool, Name, write ? VolumeAccessMode.Write : VolumeAccessMode.Read);
            if ((flags & O_TRUNC) != 0 && opened.Data.Length > 0)
            {
                opened.Dispose();
                return tree.Fail(ctx, "open", where, Errno.EPERM,
                    $"refusing to truncate volume '{Name}' on open: shrink or overwrite it through vol/{Name}/ctl");
            }
            // O_TRUNC of an empty volume changes nothing; the other open flags (O_DIRECT, O_SYNC,
            // O_APPEND) are the kernel's business on the FUSE file and never reach the backing one.
            handle = opened.Data.HasDescriptor ? new VolumeHandle(opened) : new StreamVolumeHandle(opened);
            return Errno.Ok;
        }
        catch (StorageException e)
        {
            opened?.Dispose();
            return tree.Fail(ctx, "open", where, ErrnoMap.From(e), e.Message);
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
                ulong stored = handle is VolumeHandle held ? held.StoredLength
                    : info.Physical != 0 ? info.Physical : info.Capacity;
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
                        if (!info.LengthIsCapacity)
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

    /// <summary>A volume whose data is a host descriptor: the backend's own, served through
    /// passthrough (or pread/pwrite on it); the lease ends when the kernel releases the handle.</summary>
    private sealed class VolumeHandle(OpenedVolume opened) : BackingFileHandle(opened.Data.TakeDescriptor())
    {
        /// <summary>The backing file's size now (fstat).</summary>
        public ulong StoredLength => (ulong)RandomAccess.GetLength((SafeFileHandle)Backing);

        public override void Release()
        {
            base.Release();
            opened.Dispose();
        }
    }

    /// <summary>A volume only a stream serves (a ploop image behind its header): data through
    /// the driver's stream, the lease held as long as the handle.</summary>
    private sealed class StreamVolumeHandle(OpenedVolume opened) : FileHandle
    {
        private readonly Lock _gate = new();
        private readonly Stream _stream = opened.Data.AsStream();

        public override Errno Read(RequestContext ctx, long offset, Span<byte> buffer, out int bytesRead)
        {
            lock (_gate)
            {
                _stream.Position = offset;
                bytesRead = _stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
            }
            return Errno.Ok;
        }

        public override Errno Write(RequestContext ctx, long offset, ReadOnlySpan<byte> data, out int bytesWritten)
        {
            lock (_gate)
            {
                _stream.Position = offset;
                _stream.Write(data);
            }
            bytesWritten = data.Length;
            return Errno.Ok;
        }

        public override void Release() => opened.Dispose();
    }
}
