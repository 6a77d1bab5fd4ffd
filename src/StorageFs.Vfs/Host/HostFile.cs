using StorageFs.Fuse;
using StorageFs.Fuse.Abi;
using StorageFs.Fuse.Nodes;

namespace StorageFs.Vfs.Host;

/// <summary>
/// A regular file whose bytes live in a host file. Opens hand the kernel a backing descriptor,
/// so with FUSE passthrough reads and writes never reach this process.
/// </summary>
public sealed class HostFile(string path, TimeSpan? timeout) : Node, INodeOpen, INodeSetAttr
{
    public string Path { get; } = path;

    public override TimeSpan? EntryTimeout => timeout;

    public override TimeSpan? AttrTimeout => timeout;

    public override Errno GetAttr(RequestContext ctx, ref FuseAttr attr) => HostStat.Fill(Path, ref attr);

    public Errno Open(RequestContext ctx, int flags, out FileHandle? handle)
    {
        Errno err = BackingFileHandle.Open(Path, flags, out var h);
        handle = h;
        return err;
    }

    public Errno SetAttr(RequestContext ctx, in SetattrRequest request, FileHandle? handle, ref FuseAttr attr)
    {
        try
        {
            if (request.Has(SetattrValid.Size))
            {
                if (handle is BackingFileHandle bh)
                {
                    Errno err = bh.Truncate((long)request.Size);
                    if (err != Errno.Ok)
                        return err;
                }
                else
                {
                    using var fs = new FileStream(Path, FileMode.Open, FileAccess.Write);
                    fs.SetLength((long)request.Size);
                }
            }
            if (request.Has(SetattrValid.Mode))
                File.SetUnixFileMode(Path, (UnixFileMode)(request.Mode & 0xFFF));
            if (request.Has(SetattrValid.Mtime))
                File.SetLastWriteTimeUtc(Path, request.Mtime.UtcDateTime);
            if (request.Has(SetattrValid.Atime))
                File.SetLastAccessTimeUtc(Path, request.Atime.UtcDateTime);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return HostStat.ToErrno(ex);
        }
        return GetAttr(ctx, ref attr);
    }
}
