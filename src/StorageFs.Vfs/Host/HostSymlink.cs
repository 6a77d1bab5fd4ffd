namespace StorageFs.Vfs.Host;

/// <summary>A host symbolic link: its target read from the host at each READLINK.</summary>
public sealed class HostSymlink : HostNode, INodeReadlink
{
    internal HostSymlink(HostDir parent, string name, ulong ino, TimeSpan? timeout)
        : base(parent, name, ino, timeout)
    {
    }

    public Errno Readlink(RequestContext ctx, out string target)
    {
        target = "";
        string path = Path;
        if (path.Length == 0)
            return Errno.ENOENT;
        try
        {
            string? t = new FileInfo(path).LinkTarget;
            if (t is null)
                return Errno.EINVAL;
            target = t;
            return Errno.Ok;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return HostStat.ToErrno(ex);
        }
    }
}
