using Microsoft.Win32.SafeHandles;

namespace StorageFs.Vfs.Real;

/// <summary>
/// A host file that is not a directory or symlink: a regular file (opens hand the kernel a
/// backing descriptor, so with FUSE passthrough reads and writes never reach this process), or
/// a fifo, socket or device node (which the kernel serves itself once it knows the type).
/// </summary>
public sealed class RealFile : RealNode, INodeOpen
{
    internal RealFile(RealDir parent, string name, SafeFileHandle? fd, in RealStatus st, TimeSpan? timeout)
        : base(parent, name, fd, st, timeout)
    {
    }

    /// <summary>
    /// Opens the very inode this node holds, through its descriptor's magic link
    /// (/proc/self/fd/N): no name is looked up again, so nothing renamed or swapped in meanwhile
    /// can be opened instead. Opened as the daemon: the kernel has checked the caller's access
    /// (default_permissions), and every open of a node shares the first one's backing file.
    /// </summary>
    public Errno Open(RequestContext ctx, int flags, out FileHandle? handle)
    {
        handle = null;
        using var fd = Use();
        if (!fd.Ok)
            return fd.Error;
        // O_NOFOLLOW would refuse the magic link itself.
        Errno err = BackingFileHandle.Open(RealNative.ProcFd(fd.Value), flags & ~RealNative.O_NOFOLLOW, out var h);
        handle = h;
        return err;
    }
}
