using System.Collections.Concurrent;
using System.Numerics;

namespace StorageFs.Backends.Rbd;

/// <summary>
/// Read buffers that librbd fills after the call that started the read has returned: arrays on
/// the pinned object heap (their address never moves), in power-of-two sizes from 4 KiB to
/// 4 MiB, a few kept per size for reuse so a steady stream of reads allocates nothing. Larger
/// requests get a pinned array of their own.
/// </summary>
internal static class PinnedBuffers
{
    private const int MinShift = 12, MaxShift = 22, KeptPerSize = 64;

    private static readonly ConcurrentBag<byte[]>[] Kept = [.. Enumerable.Range(0, MaxShift - MinShift + 1).Select(_ => new ConcurrentBag<byte[]>())];

    public static byte[] Rent(int size)
    {
        int shift = Math.Max(MinShift, 32 - BitOperations.LeadingZeroCount((uint)Math.Max(size - 1, 1)));
        if (shift > MaxShift)
        {
            return GC.AllocateUninitializedArray<byte>(size, pinned: true);
        }
        return Kept[shift - MinShift].TryTake(out var buffer) ? buffer : GC.AllocateUninitializedArray<byte>(1 << shift, pinned: true);
    }

    public static void Return(byte[] buffer)
    {
        int shift = BitOperations.Log2((uint)buffer.Length);
        if (buffer.Length == 1 << shift && shift is >= MinShift and <= MaxShift && Kept[shift - MinShift].Count < KeptPerSize)
        {
            Kept[shift - MinShift].Add(buffer);
        }
    }
}
