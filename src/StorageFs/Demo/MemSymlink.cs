using StorageFs.Fuse;
using StorageFs.Fuse.Nodes;
using StorageFs.Interop;

namespace StorageFs.Demo;

/// <summary>A symbolic link held in memory.</summary>
internal sealed class MemSymlink(string target, uint uid, uint gid) : MemNode(MemNode.S_IFLNK | 0x1FF, uid, gid), INodeReadlink
{
    protected override long Size => System.Text.Encoding.UTF8.GetByteCount(target);

    public Errno Readlink(RequestContext ctx, out string linkTarget)
    {
        linkTarget = target;
        return Errno.Ok;
    }
}
