using Microsoft.Win32.SafeHandles;

namespace StorageFs.Vfs.Real;

/// <summary>A host symbolic link: its target read from the host (readlinkat on its own descriptor) at each READLINK.</summary>
public sealed class RealSymlink : RealNode, INodeReadlink
{
    internal RealSymlink(RealDir parent, string name, SafeFileHandle? fd, in RealStatus st, TimeSpan? timeout)
        : base(parent, name, fd, st, timeout)
    {
    }

    public Errno Readlink(RequestContext ctx, out string target)
    {
        target = "";
        using var fd = Use();
        return fd.Ok ? (Errno)RealNative.Readlink(fd.Value, out target) : fd.Error;
    }
}
