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
}
