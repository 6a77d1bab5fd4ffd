namespace StorageFs.Fuse.Abi;

/// <summary>
/// <c>struct fuse_attr</c> (88 bytes), the attributes of an inode as the kernel caches them.
/// Public because nodes fill it in directly: the engine copies it to the wire unchanged.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public struct FuseAttr
{
    public ulong Ino;
    public ulong Size;
    public ulong Blocks;
    public ulong Atime;
    public ulong Mtime;
    public ulong Ctime;
    public uint AtimeNsec;
    public uint MtimeNsec;
    public uint CtimeNsec;
    public uint Mode;
    public uint Nlink;
    public uint Uid;
    public uint Gid;
    public uint Rdev;
    public uint Blksize;
    public uint Flags;

    /// <summary>Sets atime, mtime and ctime to one instant (clamped at the epoch).</summary>
    public void SetTimes(DateTimeOffset t)
    {
        long ticks = Math.Max(0, t.UtcTicks - DateTime.UnixEpoch.Ticks);
        Atime = Mtime = Ctime = (ulong)(ticks / TimeSpan.TicksPerSecond);
        AtimeNsec = MtimeNsec = CtimeNsec = (uint)(ticks % TimeSpan.TicksPerSecond * 100);
    }
}
