namespace StorageFs.Vfs.Host;

/// <summary>
/// A host file that is not a directory or symlink: a regular file (opens hand the kernel a
/// backing descriptor, so with FUSE passthrough reads and writes never reach this process), or
/// a fifo, socket or device node (which the kernel serves itself once it knows the type).
/// </summary>
public sealed class HostFile : HostNode, INodeOpen
{
    public HostFile(string path, TimeSpan? timeout)
        : base(path, timeout)
    {
    }

    internal HostFile(HostDir parent, string name, ulong ino, TimeSpan? timeout)
        : base(parent, name, ino, timeout)
    {
    }

    public Errno Open(RequestContext ctx, int flags, out FileHandle? handle)
    {
        Errno err = BackingFileHandle.Open(Path, flags | HostNative.O_NOFOLLOW, out var h);
        handle = h;
        return err;
    }
}
