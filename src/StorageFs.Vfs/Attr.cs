namespace StorageFs.Vfs;

/// <summary>Attributes of synthetic nodes: owned by root, stamped with the mount's start time unless given.</summary>
internal static class Attr
{
    public static readonly DateTimeOffset Started = DateTimeOffset.UtcNow;

    public static Errno Fill(ref FuseAttr attr, uint mode, ulong size = 0, uint nlink = 1, DateTimeOffset? time = null, uint blksize = 4096)
    {
        attr.Mode = mode;
        attr.Nlink = nlink;
        attr.Size = size;
        attr.Blocks = (size + 511) / 512;
        attr.Blksize = blksize;
        attr.SetTimes(time ?? Started);
        return Errno.Ok;
    }
}
