using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using StorageFs.Core.Backend;
using StorageFs.Interop;

namespace StorageFs.Backends.HostTools;

/// <summary>
/// The block-device ioctls the device-backed pools need (include/uapi/linux/fs.h):
/// BLKGETSIZE64 for a device's size (st_size of a device node is 0), BLKZEROOUT to zero a range
/// without sending data, BLKDISCARD to trim it. Errors read as libvirt's "what: strerror".
/// </summary>
public static class BlockDevice
{
    private const nuint BlkGetSize64 = 0x80081272; // _IOR(0x12, 114, size_t)
    private const nuint BlkDiscard = 0x1277;       // _IO(0x12, 119)
    private const nuint BlkZeroOut = 0x127F;       // _IO(0x12, 127)

    /// <summary>True when <paramref name="path"/> (symlinks followed) is a block device node.</summary>
    public static bool Exists(string path) => LocalNative.Stat(path, noFollow: false) is { IsBlockDevice: true };

    /// <summary>Size in bytes of the device behind <paramref name="path"/>.</summary>
    public static ulong SizeOf(string path)
    {
        using var handle = LocalNative.Open(path, Libc.O_RDONLY, 0, "cannot open volume");
        return SizeOf(handle, path);
    }

    /// <summary>Size in bytes of an open device.</summary>
    public static ulong SizeOf(SafeFileHandle handle, string pathForErrors)
    {
        ArgumentNullException.ThrowIfNull(handle);
        if (Libc.IoctlGetU64(handle.DangerousGetHandle().ToInt32(), BlkGetSize64, out ulong size) != 0)
        {
            StorageErrors.ThrowLastSystem($"unable to get the size of '{pathForErrors}'");
        }
        return size;
    }

    /// <summary>Zeroes <paramref name="length"/> bytes from <paramref name="offset"/> in the device;
    /// returns the errno (0 on success) so callers can fall back to writing zeros.</summary>
    public static int TryZeroOut(SafeFileHandle handle, ulong offset, ulong length) => RangeIoctl(handle, BlkZeroOut, offset, length);

    /// <summary>Discards (trims) a range; returns the errno, 0 on success.</summary>
    public static int TryDiscard(SafeFileHandle handle, ulong offset, ulong length) => RangeIoctl(handle, BlkDiscard, offset, length);

    private static int RangeIoctl(SafeFileHandle handle, nuint request, ulong offset, ulong length)
    {
        ArgumentNullException.ThrowIfNull(handle);
        ulong[] range = [offset, length];
        return Libc.IoctlU64s(handle.DangerousGetHandle().ToInt32(), request, range) == 0 ? 0 : Marshal.GetLastPInvokeError();
    }
}
