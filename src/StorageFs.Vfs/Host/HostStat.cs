using StorageFs.Fuse;
using StorageFs.Fuse.Abi;

namespace StorageFs.Vfs.Host;

/// <summary>Attributes of host files for the demo's backed directory.</summary>
public static class HostStat
{
    public static Errno Fill(string path, ref FuseAttr attr)
    {
        var info = new FileInfo(path);
        try
        {
            info.Refresh();
            if ((info.Attributes & FileAttributes.Directory) != 0)
            {
                attr.Mode = Modes.Dir | (uint)File.GetUnixFileMode(path);
                attr.Nlink = 2;
            }
            else
            {
                if (!info.Exists)
                    return Errno.ENOENT;
                attr.Mode = Modes.Reg | (uint)info.UnixFileMode;
                attr.Size = (ulong)info.Length;
                attr.Nlink = 1;
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return ToErrno(ex);
        }
        attr.Blocks = (attr.Size + 511) / 512;
        attr.Blksize = 4096;
        attr.SetTimes(info.LastWriteTimeUtc);
        return Errno.Ok;
    }

    public static Errno ToErrno(Exception ex) => ex switch
    {
        FileNotFoundException or DirectoryNotFoundException => Errno.ENOENT,
        UnauthorizedAccessException => Errno.EACCES,
        IOException io when (io.HResult & 0xFFFF) is > 0 and < 200 => (Errno)(io.HResult & 0xFFFF),
        _ => Errno.EIO,
    };
}
