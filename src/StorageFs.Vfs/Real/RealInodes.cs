using System.Collections.Concurrent;

namespace StorageFs.Vfs.Real;

/// <summary>
/// Inode numbers for host files: one per host (device, inode), so every name of a hard link
/// shows the same st_ino and tar, cp -a and rsync -H see the links. Numbers carry bit 62, so
/// they never meet the engine's own numbers (counted up from the node ids).
/// </summary>
internal static class RealInodes
{
    private const ulong Tag = 1UL << 62;
    private static readonly ConcurrentDictionary<(uint, uint, ulong), ulong> s_numbers = new();
    private static long s_next;

    public static ulong Number(uint devMajor, uint devMinor, ulong ino) =>
        s_numbers.GetOrAdd((devMajor, devMinor, ino), static _ => Tag | (ulong)Interlocked.Increment(ref s_next));
}
