using StorageFs.Vfs.Real;

namespace StorageFs.Vfs.Tree;

/// <summary>A symbolic link inside a directory volume: its target as the host has it (readlinkat on the link itself; never followed by the daemon).</summary>
internal sealed class VolumeDirSymlink(StorageTree tree, VolumeDirectory parent, string pool, string volume, string relative, ulong ino)
    : VolumeDirNode(tree, parent, pool, volume, relative, ino), INodeReadlink
{
    public Errno Readlink(RequestContext ctx, out string target)
    {
        string found = "";
        Errno err = WithEntry(fd => (Errno)RealNative.Readlink(fd, out found));
        target = found;
        return err;
    }
}
