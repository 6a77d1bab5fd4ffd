using Microsoft.Win32.SafeHandles;
using StorageFs.Backends.HostTools;

namespace StorageFs.Backends.Toolbox;

/// <summary>The data ranges of a source: SEEK_DATA/SEEK_HOLE for a regular file, everything
/// for a device (which has no holes to ask about).</summary>
internal static class HoleMap
{
    /// <summary>The length of <paramref name="source"/> and whether its holes can be asked for.</summary>
    public static (long Length, bool Sparse) Measure(SafeFileHandle source)
    {
        var st = LocalNative.Stat(source, "source");
        if (st.IsBlockDevice)
        {
            return ((long)BlockDevice.SizeOf(source, "source"), false);
        }
        if (!st.IsRegular)
        {
            throw Core.Backend.StorageErrors.ArgumentUnsupported("the source is neither a regular file nor a block device");
        }
        return ((long)st.Size, true);
    }

    /// <summary>Data ranges (start, end) in order, up to <paramref name="length"/>.</summary>
    public static IEnumerable<(long Start, long End)> Ranges(SafeFileHandle source, long length, bool sparse)
    {
        if (!sparse)
        {
            if (length > 0)
            {
                yield return (0, length);
            }
            yield break;
        }
        long at = 0;
        while (at < length)
        {
            long data = LocalNative.NextData(source, at);
            if (data < 0 || data >= length)
            {
                yield break;
            }
            long hole = Math.Min(LocalNative.NextHole(source, data), length);
            yield return (data, hole);
            at = hole;
        }
    }
}
