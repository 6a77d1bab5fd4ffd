using StorageFs.Interop;
using StorageFs.Backends.HostTools;

namespace StorageFs.Backends.Disk;

/// <summary>
/// Which primary slot of a DOS (MBR) partition table holds the extended partition: parted's
/// machine output does not say, the MBR does (partition entries at byte 446, 16 bytes each,
/// type byte at offset 4; 0x05, 0x0F and 0x85 are extended; signature 0x55AA at byte 510).
/// </summary>
public static class MbrExtended
{
    /// <summary>The extended partition's number (1–4), or null.</summary>
    public static int? Find(ReadOnlySpan<byte> sector0)
    {
        if (sector0.Length < 512 || sector0[510] != 0x55 || sector0[511] != 0xAA)
        {
            return null;
        }
        for (int i = 0; i < 4; i++)
        {
            if (sector0[446 + 16 * i + 4] is 0x05 or 0x0F or 0x85)
            {
                return i + 1;
            }
        }
        return null;
    }

    /// <summary>The extended partition's number on <paramref name="device"/>, or null.</summary>
    public static int? Find(string device)
    {
        using var handle = LocalNative.Open(device, Libc.O_RDONLY, 0, "cannot open device");
        var sector = new byte[512];
        return RandomAccess.Read(handle, sector, 0) == 512 ? Find(sector) : null;
    }
}
