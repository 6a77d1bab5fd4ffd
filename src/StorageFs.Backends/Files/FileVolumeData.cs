using Microsoft.Win32.SafeHandles;
using StorageFs.Core.Backend;
using StorageFs.Core.Model;
using StorageFs.Interop;
using StorageFs.Backends.HostTools;

namespace StorageFs.Backends.Files;

/// <summary>
/// Opens a file volume's data once, for whoever serves it (<see cref="IPoolBackend.OpenVolume"/>):
/// relative to a descriptor of the pool's directory with openat2 RESOLVE_BENEATH |
/// RESOLVE_NO_SYMLINKS and O_NOFOLLOW, so no symlink is followed while opening and nothing
/// outside the directory is reached, whatever is renamed or swapped meanwhile. A volume that is
/// a symlink to another file of the pool (listed and followed, as libvirt does) is opened by the
/// target's path relative to the pool, under the same rules. O_NONBLOCK during the open keeps a
/// FIFO or device swapped in from blocking it; anything but a regular file is refused.
/// </summary>
internal static class FileVolumeData
{
    /// <summary>The descriptor of <paramref name="vol"/>'s file; read-write where the host
    /// allows it even for <see cref="VolumeAccessMode.Read"/>, read-only otherwise.</summary>
    public static VolumeData Open(PoolDefinition pool, VolumeDefinition vol, VolumeAccessMode mode)
    {
        var path = VolumeFiles.OwnPath(pool, vol);
        var target = pool.Target.Path!;
        // The driver has just checked the target resolves to itself, so it holds no symlink.
        using var dir = LocalNative.OpenAt2(null, target, Libc.O_PATH | Libc.O_DIRECTORY,
            Libc.RESOLVE_NO_SYMLINKS, out int errno)
            ?? throw StorageErrors.System(errno, $"cannot open pool directory '{target}'");
        var (file, writable) = OpenBeneath(dir, vol.Name, mode, out errno);
        if (file is null && errno == (int)Errno.ELOOP)
        {
            // A symlink: DataPath refuses one leading out of the pool; the open below refuses
            // any link met on the way, so a link swapped in after the check fails too.
            var data = VolumeFiles.DataPath(pool, vol, mode == VolumeAccessMode.Write ? "written" : "read");
            path = data;
            (file, writable) = OpenBeneath(dir, data[(target.Length + 1)..], mode, out errno);
        }
        if (file is null)
        {
            throw StorageErrors.System(errno, $"cannot open volume '{path}'");
        }
        try
        {
            var st = LocalNative.Stat(file, path);
            if (!st.IsRegular)
            {
                throw StorageErrors.ArgumentUnsupported($"volume '{vol.Name}' is not a regular file");
            }
            LocalNative.ClearNonBlocking(file, path);
            return VolumeData.FromDescriptor(file, writable, (long)st.Size,
                h => new FileStream(h, mode == VolumeAccessMode.Write ? FileAccess.ReadWrite : FileAccess.Read, 0));
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    private static (SafeFileHandle? File, bool Writable) OpenBeneath(SafeFileHandle dir, string relative, VolumeAccessMode mode, out int errno)
    {
        const ulong Resolve = Libc.RESOLVE_BENEATH | Libc.RESOLVE_NO_SYMLINKS;
        int common = Libc.O_NOFOLLOW | Libc.O_NONBLOCK | Libc.O_NOCTTY;
        var file = LocalNative.OpenAt2(dir, relative, common | Libc.O_RDWR, Resolve, out errno);
        if (file is not null)
        {
            return (file, true);
        }
        if (mode == VolumeAccessMode.Read && errno is (int)Errno.EACCES or (int)Errno.EPERM or (int)Errno.EROFS or (int)Errno.ETXTBSY)
        {
            file = LocalNative.OpenAt2(dir, relative, common | Libc.O_RDONLY, Resolve, out errno);
        }
        return (file, false);
    }
}
