using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;
using StorageFs.Core.Backend;
using StorageFs.Core.Model;
using StorageFs.Interop;
using StorageFs.Backends.HostTools;

namespace StorageFs.Backends.Files;

/// <summary>
/// Reads and writes ploop images (root.hds) natively, since the ploop tool cannot run here:
/// <list type="bullet">
/// <item>create: a version 2 header, an all-zero BAT (every cluster unallocated, reading as
/// zeros) padded to a cluster boundary; 1 MiB clusters (ploop's default) — the same layout
/// <c>qemu-img create -f parallels</c> writes;</item>
/// <item>grow: more BAT entries; when the BAT would overrun the first data cluster, the data
/// clusters in the way are copied to the end of the file and their entries repointed first,
/// then the BAT and header are written (each step synced), so the image is valid after every
/// step;</item>
/// <item>allocation is what the file really uses (st_blocks).</item>
/// </list>
/// Shrinking would drop guest data and is refused, as are images with format extensions
/// (qemu's dirty bitmaps) or marked in use.
/// </summary>
public static class PloopImage
{
    /// <summary>Cluster size in sectors (1 MiB), ploop's default.</summary>
    public const uint DefaultClusterSectors = 2048;

    /// <summary>ploop sizes are whole MiB: libvirt runs <c>ploop init -s ceil(capacity/1MiB)M</c>.</summary>
    public static ulong RoundCapacity(ulong capacity) => (capacity + (1UL << 20) - 1) >> 20 << 20;

    /// <summary>Creates a new image of <paramref name="capacity"/> bytes (rounded up to MiB).</summary>
    public static PloopHeader Create(string path, ulong capacity, StoragePermissions perms)
    {
        var header = PloopHeader.Create(RoundCapacity(capacity) / 512, DefaultClusterSectors);
        using var handle = RawFiles.CreateExclusive(path, perms);
        try
        {
            var head = new byte[PloopHeader.Size];
            header.Write(head);
            RandomAccess.Write(handle, head, 0);
            RandomAccess.SetLength(handle, (long)header.DataOffset * 512);
            LocalNative.DataSync(handle, path);
            return header;
        }
        catch
        {
            handle.Dispose();
            File.Delete(path);
            throw;
        }
    }

    /// <summary>The header of the image at <paramref name="path"/>.</summary>
    public static PloopHeader Read(string path)
    {
        using var handle = LocalNative.Open(path, Libc.O_RDONLY | Libc.O_NOFOLLOW, 0, "cannot open ploop image");
        return Read(handle);
    }

    /// <summary>The number of allocated clusters (non-zero BAT entries).</summary>
    public static int AllocatedClusters(string path)
    {
        using var handle = LocalNative.Open(path, Libc.O_RDONLY | Libc.O_NOFOLLOW, 0, "cannot open ploop image");
        var header = Read(handle);
        return ReadBat(handle, header).Count(e => e != 0);
    }

    /// <summary>Grows the image at <paramref name="path"/> to <paramref name="capacity"/> bytes
    /// (rounded up to MiB); returns the new header.</summary>
    public static PloopHeader Grow(string path, ulong capacity)
    {
        using var handle = LocalNative.Open(path, Libc.O_RDWR | Libc.O_NOFOLLOW, 0, "cannot open ploop image");
        var header = Read(handle);
        ulong sectors = RoundCapacity(capacity) / 512;
        if (sectors < header.Sectors)
        {
            throw StorageErrors.ConfigUnsupported("shrinking a ploop volume is not supported: it would drop guest data");
        }
        if (header.InUse == PloopHeader.InUseMark)
        {
            throw StorageErrors.OperationInvalid($"ploop image '{path}' is marked in use");
        }
        if (header.ExtensionOffset != 0)
        {
            throw StorageErrors.ConfigUnsupported($"ploop image '{path}' has format extensions; StorageFs cannot resize it");
        }
        uint entries = PloopHeader.Entries(sectors, header.ClusterSectors);
        var bat = ReadBat(handle, header);
        Array.Resize(ref bat, (int)Math.Max(entries, header.BatEntries));
        uint dataOffset = Math.Max(header.DataOffset, PloopHeader.DataOffsetFor(entries, header.ClusterSectors));
        if (dataOffset > header.DataOffset)
        {
            MoveClustersOutOf(handle, path, header, bat, (ulong)dataOffset * 512);
        }
        var grown = header with
        {
            Sectors = sectors,
            BatEntries = entries,
            Cylinders = (uint)(sectors / (PloopHeader.GeometryHeads * PloopHeader.GeometrySectors)),
            DataOffset = dataOffset,
        };
        var table = new byte[(long)dataOffset * 512 > int.MaxValue ? throw StorageErrors.Internal("ploop BAT too large") : dataOffset * 512];
        grown.Write(table);
        for (int i = 0; i < bat.Length; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(table.AsSpan(PloopHeader.Size + i * 4), bat[i]);
        }
        if (RandomAccess.GetLength(handle) < table.Length)
        {
            RandomAccess.SetLength(handle, table.Length);
        }
        // BAT first, header (with the new entry count and size) last.
        RandomAccess.Write(handle, table.AsSpan(PloopHeader.Size), PloopHeader.Size);
        LocalNative.DataSync(handle, path);
        RandomAccess.Write(handle, table.AsSpan(0, PloopHeader.Size), 0);
        LocalNative.DataSync(handle, path);
        return grown;
    }

    private static PloopHeader Read(SafeFileHandle handle)
    {
        var head = new byte[PloopHeader.Size];
        int n = RandomAccess.Read(handle, head, 0);
        return PloopHeader.Parse(head.AsSpan(0, n));
    }

    private static uint[] ReadBat(SafeFileHandle handle, PloopHeader header)
    {
        var raw = new byte[(long)header.BatEntries * 4];
        int n = RandomAccess.Read(handle, raw, PloopHeader.Size);
        if (n < raw.Length)
        {
            throw StorageErrors.Internal("ploop image is shorter than its BAT");
        }
        var bat = new uint[header.BatEntries];
        for (int i = 0; i < bat.Length; i++)
        {
            bat[i] = BinaryPrimitives.ReadUInt32LittleEndian(raw.AsSpan(i * 4));
        }
        return bat;
    }

    // Copies every data cluster that starts below newDataStart to the end of the file and
    // repoints its BAT entry (in memory; the caller writes the BAT).
    private static void MoveClustersOutOf(SafeFileHandle handle, string path, PloopHeader header, uint[] bat, ulong newDataStart)
    {
        ulong unit = header.BatUnitBytes;
        ulong cluster = header.ClusterBytes;
        ulong end = (ulong)RandomAccess.GetLength(handle);
        end = Math.Max((end + cluster - 1) / cluster * cluster, newDataStart);
        var buffer = new byte[cluster];
        bool moved = false;
        for (int i = 0; i < bat.Length; i++)
        {
            ulong offset = bat[i] * unit;
            if (bat[i] == 0 || offset >= newDataStart)
            {
                continue;
            }
            int n = RandomAccess.Read(handle, buffer, (long)offset);
            Array.Clear(buffer, n, buffer.Length - n);
            RandomAccess.Write(handle, buffer, (long)end);
            bat[i] = checked((uint)(end / unit));
            end += cluster;
            moved = true;
        }
        if (moved)
        {
            LocalNative.DataSync(handle, path);
        }
    }
}
