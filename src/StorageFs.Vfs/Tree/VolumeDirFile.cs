using Microsoft.Win32.SafeHandles;
using StorageFs.Core;
using StorageFs.Core.Driver;
using StorageFs.Vfs.Real;

namespace StorageFs.Vfs.Tree;

/// <summary>
/// A file inside a directory volume (a ploop's root.hds and DiskDescriptor.xml, a file in a
/// <c>dir</c> volume): read-only. An open takes a read lease on the volume for as long as the
/// kernel holds the handle, opens the file O_RDONLY relative to the volume's directory
/// (openat2 beneath it, no link followed) and hands that descriptor to the kernel as the
/// passthrough backing: st_size is the host file's, and so are the bytes read.
/// Opening for writing, or with O_TRUNC, fails with EROFS.
/// </summary>
internal sealed class VolumeDirFile(StorageTree tree, VolumeDirectory parent, string pool, string volume, string relative, ulong ino)
    : VolumeDirNode(tree, parent, pool, volume, relative, ino), INodeOpen
{
    private const int O_TRUNC = 0x200, O_NOCTTY = 0x100;

    public Errno Open(RequestContext ctx, int flags, out FileHandle? handle)
    {
        handle = null;
        if ((flags & RealNative.O_ACCMODE) != RealNative.O_RDONLY || (flags & O_TRUNC) != 0)
            return ReadOnly(ctx, "open");
        OpenedVolumeDirectory? opened = null;
        Errno refused = Tree.Change(ctx, "open", Where, () => opened = Tree.Driver.OpenVolumeDirectory(Pool, Volume));
        if (opened is null)
            return refused;
        // The entry itself first (O_PATH: a fifo swapped in cannot block the open), then that
        // very inode opened for reading through its descriptor; anything but a regular file is refused.
        int fd = -1;
        int err = RealNative.OpenBeneath((int)opened.Directory.DangerousGetHandle(), Relative, RealNative.O_PATH, 0, out int path);
        if (err == 0)
        {
            err = RealNative.StatFd(path, out var st);
            if (err == 0 && st.Type != Modes.Reg)
                err = (int)Errno.EACCES;
            if (err == 0)
                err = RealNative.Reopen(path, RealNative.O_RDONLY | O_NOCTTY, out fd);
            RealNative.CloseFd(path);
        }
        if (err != 0)
        {
            if (fd >= 0)
                RealNative.CloseFd(fd);
            opened.Dispose();
            return Tree.Fail(ctx, "open", Where, (Errno)err, $"cannot open {Where}: {(Errno)err}");
        }
        handle = new LeasedHandle(new SafeFileHandle(fd, ownsHandle: true), opened);
        return Errno.Ok;
    }

    /// <summary>fstat of the open file itself.</summary>
    public override Errno GetAttr(RequestContext ctx, FileHandle handle, ref FuseAttr attr)
    {
        return RealStat.FillFromHandle(handle, ref attr) ?? GetAttr(ctx, ref attr);
    }

    /// <summary>The file's descriptor, holding the volume's lease until the kernel releases it.</summary>
    private sealed class LeasedHandle(SafeFileHandle file, OpenedVolumeDirectory lease) : BackingFileHandle(file)
    {
        public override void Release()
        {
            base.Release();
            lease.Dispose();
        }
    }
}
