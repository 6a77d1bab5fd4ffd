using Microsoft.Win32.SafeHandles;
using StorageFs.Core;
using StorageFs.Core.Backend;
using StorageFs.Core.Driver;
using StorageFs.Core.Model;
using StorageFs.Vfs.Real;

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
internal sealed class VolumeFile(VolumesDir dir, string name) : Node, INodeOpen, INodeSetAttr
{
    // The tree and the pool's name through the pool's volumes/ (one field, not two: a million volumes).
    private StorageTree Tree => dir.Tree;

    private const int O_ACCMODE = 3, O_TRUNC = 0x200;

    public string Pool => dir.Pool;

    public string Name { get; } = name;

    /// <summary>The volume's vol/NAME/, once looked up (<see cref="VolumesDir.Control"/>).</summary>
    internal VolumeControlDir? Control;

    public override TimeSpan? EntryTimeout => TimeSpan.FromSeconds(1);

    public override TimeSpan? AttrTimeout => TimeSpan.FromSeconds(1);

    // st_blksize of a volume reached over the network (an rbd image, an iSCSI LUN): 4 MiB, an
    // rbd object; cp and other coreutils size their buffers by it (128 KiB otherwise), so a
    // copy takes a quarter of the round trips (each 1 MiB WRITE, max_write).
    private const uint NetworkBlockSize = 4 << 20;

    // The open that created this volume by creating the file, while it is open (a partition
    // that takes its size from the bytes written: its length is the file's size).
    private GrowingBlockHandle? _growing;

    // Opens served by positional calls (an rbd image): their size is the volume's as it grows,
    // before the driver re-reads the volume at their release. An array replaced whole (the
    // shared empty one while there is none: a list per volume file was 32 bytes each).
    private IoVolumeHandle[] _io = [];

    public override Errno GetAttr(RequestContext ctx, ref FuseAttr attr)
    {
        // A volume still being created has no path yet: its definition answers
        // (GetVolumePath's error for it was EIO to ls -l during a create).
        Errno asked = StorageTree.Ask((Tree.Driver, Pool, Name), static s => s.Driver.PeekVolume(s.Pool, s.Name), out var info);
        if (info is null)
            return asked;
        if (Volatile.Read(ref _growing) is { } growing)
            return Attr.Fill(ref attr, Modes.Reg | 0x180, (ulong)growing.Length, time: DateTimeOffset.UtcNow);
        if (Volatile.Read(ref _io) is { Length: > 0 } io)
            return Attr.Fill(ref attr, Modes.Reg | 0x180, (ulong)io[^1].Length, blksize: NetworkBlockSize);
        // No host object to describe (still being created; a network volume such as an
        // iscsi-direct LUN, whose "path" is no local path): the definition answers.
        if (info.Type is VolumeType.Network or VolumeType.NetDir)
            return Attr.Fill(ref attr, Modes.Reg | 0x180, info.Capacity, blksize: NetworkBlockSize);
        if (info.Path is null || info.Building || !info.Path.StartsWith('/'))
            return Attr.Fill(ref attr, Modes.Reg | 0x180, info.Capacity);
        int err = RealNative.Stat(info.Path, follow: true, out var st);
        if (err == (int)Errno.ENOENT)
            return Attr.Fill(ref attr, Modes.Reg | 0x180, info.Capacity);
        if (err != 0)
            return (Errno)err;
        st.Fill(ref attr);
        if (info.Type == VolumeType.Block)
        {
            // A device's bytes shown as a regular file (a nodev mount could not open a device
            // node): its size is the device's, as the pool last read it.
            attr.Mode = Modes.Reg | (attr.Mode & 0xFFF);
            attr.Size = info.Capacity;
            attr.Blocks = (info.Capacity + 511) / 512;
            attr.Rdev = 0;
        }
        return Errno.Ok;
    }

    public Errno Open(RequestContext ctx, int flags, out FileHandle? handle) => Open(ctx, flags, created: false, out handle);

    /// <summary>
    /// Opens the volume; <paramref name="created"/> when the open comes with the CREATE that
    /// made it: a block volume made that way (a partition holding the largest free extent) is
    /// served by <see cref="GrowingBlockHandle"/>, which shows the bytes written so far as the
    /// file and cuts the partition to them when the file is closed.
    /// </summary>
    public Errno Open(RequestContext ctx, int flags, bool created, out FileHandle? handle)
    {
        handle = null;
        string where = $"pools/{Pool}/volumes/{Name}";
        bool write = (flags & O_ACCMODE) != 0;
        if (write && ctx.Uid != 0)
            return Tree.Fail(ctx, "open", where, Errno.EACCES, "only root may write volumes");
        FileHandle? made = null;
        Errno err = Tree.Change(ctx, "open", where, () =>
        {
            OpenedVolume? opened = null;
            try
            {
                bool block = Tree.Driver.PeekVolume(Pool, Name).Type == VolumeType.Block;
                if (created && block && write)
                {
                    opened = Tree.Driver.OpenVolume(Pool, Name, VolumeAccessMode.Write, ctx.Pid);
                    var growing = new GrowingBlockHandle(this, opened);
                    Volatile.Write(ref _growing, growing);
                    made = growing;
                    return Errno.Ok;
                }
                opened = Tree.Driver.OpenVolume(Pool, Name, write ? VolumeAccessMode.Write : VolumeAccessMode.Read, ctx.Pid);
                if ((flags & O_TRUNC) != 0 && opened.Data.Length > 0)
                {
                    opened.Dispose();
                    return Tree.Fail(ctx, "open", where, Errno.EPERM, block
                        ? $"refusing to truncate block volume '{Name}' on open: its size is the device's ({opened.Data.Length} bytes); open it without O_TRUNC (dd conv=notrunc), resize it through vol/{Name}/ctl"
                        : $"refusing to truncate volume '{Name}' on open: shrink or overwrite it through vol/{Name}/ctl");
                }
                // O_TRUNC of an empty volume changes nothing; the other open flags (O_DIRECT, O_SYNC,
                // O_APPEND) are the kernel's business on the FUSE file and never reach the backing one.
                // A device is served here (passthrough takes no device): direct I/O, so a read(2) of
                // 1 MiB is one READ and one pread on the device with its own readahead, instead of
                // the FUSE page cache's readahead requests on top of the device's page cache.
                if (opened.Data.HasIo)
                {
                    var io = new IoVolumeHandle(Tree, this, where, opened);
                    ChangeIo(all => [.. all, io]);
                    made = io;
                    return Errno.Ok;
                }
                made = opened.Data.HasDescriptor
                    ? new VolumeHandle(opened, passthrough: !block) { OpenFlags = block ? OpenReplyFlags.DirectIo : default }
                    : new StreamVolumeHandle(Tree, where, opened);
                return Errno.Ok;
            }
            catch
            {
                opened?.Dispose();
                throw;
            }
        });
        handle = made;
        return err;
    }

    /// <summary>Called by a positional handle once released (after the driver re-read the volume).</summary>
    internal void IoEnded(IoVolumeHandle handle) => ChangeIo(all => Array.FindAll(all, h => h != handle));

    private void ChangeIo(Func<IoVolumeHandle[], IoVolumeHandle[]> change)
    {
        while (true)
        {
            var before = Volatile.Read(ref _io);
            if (Interlocked.CompareExchange(ref _io, change(before), before) == before)
                return;
        }
    }

    /// <summary>Called by a growing handle once it is released: attributes come from the device again.</summary>
    internal void GrowingEnded(GrowingBlockHandle handle) => Interlocked.CompareExchange(ref _growing, null, handle);

    /// <summary>Records a refusal met while serving a growing handle.</summary>
    internal Errno Fail(RequestContext ctx, string op, Errno errno, string message) =>
        Tree.Fail(ctx, op, $"pools/{Pool}/volumes/{Name}", errno, message);

    /// <summary>Runs a growing handle's change of the volume; a refusal is recorded as
    /// "<paramref name="what"/>: the driver's message".</summary>
    internal Errno Change(RequestContext ctx, string op, Action change, string what) =>
        Tree.Change(ctx, op, $"pools/{Pool}/volumes/{Name}", change, what);

    /// <summary>Runs a growing handle's last change with no caller to answer (RELEASE); a refusal is logged.</summary>
    internal void Quietly(Action change) => Tree.Quietly($"pools/{Pool}/volumes/{Name}", () =>
    {
        change();
        return true;
    }, false);

    public Errno SetAttr(RequestContext ctx, in SetattrRequest request, FileHandle? handle, ref FuseAttr attr)
    {
        string where = $"pools/{Pool}/volumes/{Name}";
        if (request.Has(SetattrValid.Mode) || request.Has(SetattrValid.Uid) || request.Has(SetattrValid.Gid))
            return Tree.Fail(ctx, "setattr", where, Errno.EPERM, "volume permissions come from its XML <permissions>");
        if (request.Has(SetattrValid.Size))
        {
            if (ctx.Uid != 0)
                return Tree.Fail(ctx, "truncate", where, Errno.EACCES, "only root may resize volumes");
            if ((handle as GrowingBlockHandle ?? Volatile.Read(ref _growing)) is { } growing)
            {
                Errno cut = growing.Truncate(ctx, request.Size);
                return cut != Errno.Ok ? cut : GetAttr(ctx, ref attr);
            }
            ulong size = request.Size;
            FuseAttr reply = attr; // its inode number, for a reply made later (a parked grow)
            Errno changed = Tree.Change(ctx, "truncate", where, () =>
            {
                // An open served by positional calls (an rbd image) knows its size: the driver's
                // last reading will do, as re-reading storage would wait on a stalled cluster here.
                var info = handle is IoVolumeHandle ? Tree.Driver.PeekVolume(Pool, Name) : Tree.Driver.GetVolumeInfo(Pool, Name);
                if (info.Type == VolumeType.Block)
                {
                    // A device keeps its size: truncate(1) to it changes nothing, anything else
                    // would lose bytes or invent them.
                    if (size != info.Capacity)
                        return Tree.Fail(ctx, "truncate", where, Errno.EPERM,
                            $"block volume '{Name}' is a device of {info.Capacity} bytes and keeps that size: resize it with 'resize SIZE' in vol/{Name}/ctl");
                    return Errno.Ok;
                }
                ulong stored = handle is VolumeHandle held ? held.StoredLength
                    : handle is IoVolumeHandle served ? (ulong)served.Length
                    : info.Physical != 0 ? info.Physical : info.Capacity;
                // A pool that cannot resize (an iscsi-direct LUN is the target's size) keeps
                // every volume at its size: any other is a refusal by policy, not a missing feature.
                if (size != stored && !Tree.Driver.GetPoolCapabilities(Pool).Supports(PoolOperations.ResizeVolume))
                    return Tree.Fail(ctx, "truncate", where, Errno.EPERM,
                        $"volume '{Name}' stays {stored} bytes: pool '{Pool}' cannot resize its volumes, so truncate cannot change its size");
                if (size < stored)
                    return Tree.Fail(ctx, "truncate", where, Errno.EPERM,
                        $"refusing to shrink volume '{Name}' by truncate: use 'resize SIZE shrink' in vol/{Name}/ctl");
                if (size > stored)
                {
                    if (handle is IoVolumeHandle positional)
                    {
                        // Parked (an rbd image): answered with the attributes once grown.
                        Errno err = positional.Grow(ctx, (long)size, reply);
                        if (err != Errno.Ok)
                            return err;
                    }
                    else if (handle is BackingFileHandle open)
                    {
                        // truncate(1) and ftruncate hold the volume open for writing, so the driver
                        // would call it busy: grow through that open descriptor instead (raw only:
                        // other formats' files are not their capacity). Closing it re-reads the volume.
                        if (!info.LengthIsCapacity)
                            return Tree.Fail(ctx, "truncate", where, Errno.EPERM,
                                $"a {info.Format} volume grows with 'resize SIZE' in vol/{Name}/ctl, not by truncate");
                        Errno grown = open.Truncate((long)size);
                        if (grown != Errno.Ok)
                            return Tree.Fail(ctx, "truncate", where, grown, $"cannot grow volume '{Name}': {grown}");
                    }
                    else
                    {
                        Tree.Driver.ResizeVolume(Pool, Name, size);
                    }
                }
                return Errno.Ok;
            });
            if (changed != Errno.Ok)
                return changed;
        }
        return GetAttr(ctx, ref attr);
    }

    /// <summary>A volume whose data is a host descriptor: the backend's own, served through
    /// passthrough where the kernel takes it (a regular file), else with pread/pwrite on it (a
    /// device); the lease ends when the kernel releases the handle.</summary>
    private sealed class VolumeHandle(OpenedVolume opened, bool passthrough) : BackingFileHandle(opened.Data.TakeDescriptor())
    {
        public override bool OffersPassthrough => passthrough;

        /// <summary>The backing file's size now (fstat).</summary>
        public ulong StoredLength => (ulong)RandomAccess.GetLength((SafeFileHandle)Backing);

        public override void Release()
        {
            base.Release();
            opened.Dispose();
        }
    }

    /// <summary>
    /// A volume only a stream serves (a ploop image behind its header; an iscsi-direct LUN
    /// through libiscsi): data through the backend's stream, one request at a time, the lease
    /// held as long as the handle. The stream must be seekable; its <see cref="Stream.Length"/>
    /// is the volume's size. An <see cref="IOException"/> carrying an errno as its HResult
    /// (ENOSPC for a write past the end, EIO or ETIMEDOUT from the target) answers that errno,
    /// and its message goes to <c>errors</c>; FSYNC is <see cref="Stream.Flush()"/>.
    /// </summary>
    private sealed class StreamVolumeHandle(StorageTree tree, string where, OpenedVolume opened) : FileHandle
    {
        private readonly Lock _gate = new();
        private readonly Stream _stream = opened.Data.AsStream();

        public override Errno Read(RequestContext ctx, long offset, Span<byte> buffer, out int bytesRead)
        {
            bytesRead = 0;
            try
            {
                lock (_gate)
                {
                    _stream.Position = offset;
                    bytesRead = _stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
                }
                return Errno.Ok;
            }
            catch (IOException e)
            {
                return Failed(ctx, "read", e);
            }
        }

        public override Errno Write(RequestContext ctx, long offset, ReadOnlySpan<byte> data, out int bytesWritten)
        {
            bytesWritten = 0;
            try
            {
                lock (_gate)
                {
                    _stream.Position = offset;
                    _stream.Write(data);
                }
                bytesWritten = data.Length;
                return Errno.Ok;
            }
            catch (IOException e)
            {
                return Failed(ctx, "write", e);
            }
            catch (NotSupportedException)
            {
                return Errno.EBADF;
            }
        }

        public override Errno Fsync(RequestContext ctx, bool dataOnly)
        {
            try
            {
                lock (_gate)
                    _stream.Flush();
                return Errno.Ok;
            }
            catch (IOException e)
            {
                return Failed(ctx, "fsync", e);
            }
        }

        public override void Release() => opened.Dispose();

        private Errno Failed(RequestContext ctx, string op, IOException e) =>
            tree.Fail(ctx, op, where, e.HResult is > 0 and < 4096 ? (Errno)e.HResult : Errno.EIO, e.Message);
    }
}
