using StorageFs.Interop;
namespace StorageFs.Vfs.Real;

/// <summary>What lstat(2) says about a host file, with the inode number the mount reports for it.</summary>
internal readonly struct RealStatus
{
    private readonly StatCalls.StatxBuffer _b;

    public RealStatus(in StatCalls.StatxBuffer b) => _b = b;

    public uint Mode => _b.Mode;

    public uint Type => _b.Mode & Modes.TypeMask;

    public bool IsDir => Type == Modes.Dir;

    public bool IsSymlink => Type == Modes.Lnk;

    public uint Nlink => _b.Nlink;

    public uint DevMajor => _b.DevMajor;

    public uint DevMinor => _b.DevMinor;

    /// <summary>The number the mount shows as st_ino: one per host inode, so hard links share it.</summary>
    public ulong MountIno => RealInodes.Number(_b.DevMajor, _b.DevMinor, _b.Ino);

    public void Fill(ref FuseAttr attr)
    {
        attr.Mode = _b.Mode;
        attr.Nlink = _b.Nlink;
        attr.Uid = _b.Uid;
        attr.Gid = _b.Gid;
        attr.Size = _b.Size;
        attr.Blocks = _b.Blocks;
        attr.Blksize = _b.BlkSize == 0 ? 4096 : _b.BlkSize;
        // new_encode_dev (include/linux/kdev_t.h), what the kernel decodes fuse_attr.rdev with.
        attr.Rdev = (_b.RdevMinor & 0xff) | (_b.RdevMajor << 8) | ((_b.RdevMinor & ~0xffu) << 12);
        attr.Atime = (ulong)Math.Max(0, _b.AtimeSec);
        attr.AtimeNsec = _b.AtimeNsec;
        attr.Mtime = (ulong)Math.Max(0, _b.MtimeSec);
        attr.MtimeNsec = _b.MtimeNsec;
        attr.Ctime = (ulong)Math.Max(0, _b.CtimeSec);
        attr.CtimeNsec = _b.CtimeNsec;
    }
}
