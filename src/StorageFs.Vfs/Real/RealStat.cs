namespace StorageFs.Vfs.Real;

/// <summary>Attributes of host files, as the host reports them (mode, links, owners, sizes, times).</summary>
public static class RealStat
{
    /// <summary>Fills <paramref name="attr"/> from stat(2) (lstat(2) unless <paramref name="follow"/>) of a path the daemon trusts (a volume); the host's errno on failure.</summary>
    public static Errno Fill(string path, ref FuseAttr attr, bool follow = true)
    {
        int err = RealNative.Stat(path, follow, out var st);
        if (err != 0)
            return (Errno)err;
        st.Fill(ref attr);
        return Errno.Ok;
    }

    /// <summary>Fills <paramref name="attr"/> from fstat(2) of <paramref name="fd"/>; the host's errno on failure.</summary>
    public static Errno Fill(int fd, ref FuseAttr attr)
    {
        int err = RealNative.StatFd(fd, out var st);
        if (err != 0)
            return (Errno)err;
        st.Fill(ref attr);
        return Errno.Ok;
    }

    /// <summary>fstat of an open file itself (FUSE_GETATTR with a handle), which works once it has
    /// no name too; null for a handle without a host descriptor (the node's own attributes answer).</summary>
    public static Errno? FillFromHandle(FileHandle handle, ref FuseAttr attr) =>
        handle is BackingFileHandle open ? Fill(open.Fd, ref attr) : null;
}
