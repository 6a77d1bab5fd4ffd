using System.Collections.Concurrent;

namespace StorageFs.Vfs.Real;

/// <summary>
/// Inode numbers for host files: one per host (device, inode), so every name of a hard link
/// shows the same st_ino and tar, cp -a and rsync -H see the links. Numbers carry bit 62, so
/// they never meet the engine's own numbers (counted up from the node ids). Below it, a
/// device's index (14 bits, in the order devices are first seen) and the host's own inode
/// number (48 bits): computed, not stored, so listing or looking up a name costs no memory
/// that outlives its node. (A table of every host inode ever seen grew without end: a user who
/// may write an item could create and remove files for ever.) An inode number of 48 bits or
/// more, or a device past the 16,383rd, is numbered from a table kept for those.
/// </summary>
internal static class RealInodes
{
    private const ulong Tag = 1UL << 62;
    private const int InoBits = 48;
    private const ulong InoMask = (1UL << InoBits) - 1;
    // The last device index stands for the table's numbers.
    private const ulong TableIndex = (1UL << (62 - InoBits)) - 1;

    private static readonly ConcurrentDictionary<(uint, uint), ulong> s_devices = new();
    private static readonly ConcurrentDictionary<(uint, uint, ulong), ulong> s_table = new();
    private static long s_nextDevice = -1;
    private static long s_nextInTable;
    private static Device? s_last;

    private sealed record Device(uint Major, uint Minor, ulong Index);

    public static ulong Number(uint devMajor, uint devMinor, ulong ino)
    {
        ulong dev = DeviceIndex(devMajor, devMinor);
        if (ino <= InoMask && dev < TableIndex)
            return Tag | (dev << InoBits) | ino;
        return s_table.GetOrAdd((devMajor, devMinor, ino),
            static _ => Tag | (TableIndex << InoBits) | ((ulong)Interlocked.Increment(ref s_nextInTable) & InoMask));
    }

    private static ulong DeviceIndex(uint major, uint minor)
    {
        // Nearly every call is for the device of the call before.
        if (Volatile.Read(ref s_last) is { } last && last.Major == major && last.Minor == minor)
            return last.Index;
        ulong index = s_devices.GetOrAdd((major, minor), static _ => (ulong)Interlocked.Increment(ref s_nextDevice));
        Volatile.Write(ref s_last, new Device(major, minor, index));
        return index;
    }
}
