using System.Buffers.Binary;
using StorageFs.Core.Backend;

namespace StorageFs.Backends.Files;

/// <summary>
/// The 64-byte header of a ploop/Parallels image (OpenVZ ploop include/ploop1_image.h; qemu
/// docs/interop/parallels.txt), little-endian: signature, version, geometry (heads, cylinders,
/// sectors per track = cluster size in 512-byte sectors), BAT entry count, size in sectors,
/// in-use mark, first data sector, flags, format-extension offset. Version 2 images
/// ("WithouFreSpacExt") keep BAT entries in clusters, version 1 ("WithoutFreeSpace") in sectors.
/// </summary>
public sealed record PloopHeader(
    bool Version2,
    uint Heads,
    uint Cylinders,
    uint ClusterSectors,
    uint BatEntries,
    ulong Sectors,
    uint InUse,
    uint DataOffset,
    uint Flags,
    ulong ExtensionOffset)
{
    /// <summary>Header size in bytes; the BAT follows it.</summary>
    public const int Size = 64;

    /// <summary>Signature of version 2 images, which StorageFs writes.</summary>
    public const string Signature2 = "WithouFreSpacExt";

    /// <summary>Signature of version 1 images.</summary>
    public const string Signature1 = "WithoutFreeSpace";

    /// <summary>The in-use mark of an image open for writing (qemu refuses such an image).</summary>
    public const uint InUseMark = 0x746F6E59;

    /// <summary>Geometry heads, as qemu and ploop write them.</summary>
    public const uint GeometryHeads = 16;

    /// <summary>Geometry sectors per track used for the cylinder count (qemu's 16 × 32).</summary>
    public const uint GeometrySectors = 32;

    /// <summary>Guest-visible size in bytes.</summary>
    public ulong Capacity => Sectors * 512;

    /// <summary>Cluster size in bytes.</summary>
    public ulong ClusterBytes => (ulong)ClusterSectors * 512;

    /// <summary>What one BAT unit is in bytes (a cluster in v2, a sector in v1).</summary>
    public ulong BatUnitBytes => Version2 ? ClusterBytes : 512;

    /// <summary>A fresh version 2 header for <paramref name="sectors"/> sectors.</summary>
    public static PloopHeader Create(ulong sectors, uint clusterSectors)
    {
        uint entries = Entries(sectors, clusterSectors);
        return new PloopHeader(true, GeometryHeads, (uint)(sectors / (GeometryHeads * GeometrySectors)), clusterSectors,
            entries, sectors, 0, DataOffsetFor(entries, clusterSectors), 0, 0);
    }

    /// <summary>BAT entries needed for <paramref name="sectors"/>.</summary>
    public static uint Entries(ulong sectors, uint clusterSectors) =>
        checked((uint)((sectors + clusterSectors - 1) / clusterSectors));

    /// <summary>First data sector when the header and <paramref name="entries"/> BAT entries are
    /// padded to a whole number of clusters (qemu's and ploop's layout).</summary>
    public static uint DataOffsetFor(uint entries, uint clusterSectors)
    {
        ulong bytes = Size + (ulong)entries * 4;
        ulong cluster = (ulong)clusterSectors * 512;
        return checked((uint)((bytes + cluster - 1) / cluster * clusterSectors));
    }

    /// <summary>Parses a header.</summary>
    /// <exception cref="StorageException">Not a ploop image, or an inconsistent one.</exception>
    public static PloopHeader Parse(ReadOnlySpan<byte> b)
    {
        if (b.Length < Size)
        {
            throw StorageErrors.Internal("ploop image is shorter than its header");
        }
        var signature = System.Text.Encoding.ASCII.GetString(b[..16]);
        bool v2 = signature == Signature2;
        if (!v2 && signature != Signature1)
        {
            throw StorageErrors.Internal($"not a ploop image (signature '{signature.TrimEnd('\0')}')");
        }
        var h = new PloopHeader(v2,
            BinaryPrimitives.ReadUInt32LittleEndian(b[20..]),
            BinaryPrimitives.ReadUInt32LittleEndian(b[24..]),
            BinaryPrimitives.ReadUInt32LittleEndian(b[28..]),
            BinaryPrimitives.ReadUInt32LittleEndian(b[32..]),
            v2 ? BinaryPrimitives.ReadUInt64LittleEndian(b[36..]) : BinaryPrimitives.ReadUInt32LittleEndian(b[36..]),
            BinaryPrimitives.ReadUInt32LittleEndian(b[44..]),
            BinaryPrimitives.ReadUInt32LittleEndian(b[48..]),
            BinaryPrimitives.ReadUInt32LittleEndian(b[52..]),
            BinaryPrimitives.ReadUInt64LittleEndian(b[56..]));
        if (h.ClusterSectors == 0 || (ulong)h.BatEntries * h.ClusterSectors < h.Sectors)
        {
            throw StorageErrors.Internal("ploop image header is inconsistent (BAT too small for the disk size)");
        }
        return h;
    }

    /// <summary>Writes the header into <paramref name="b"/> (64 bytes).</summary>
    public void Write(Span<byte> b)
    {
        b[..Size].Clear();
        System.Text.Encoding.ASCII.GetBytes(Version2 ? Signature2 : Signature1, b);
        BinaryPrimitives.WriteUInt32LittleEndian(b[16..], 2);
        BinaryPrimitives.WriteUInt32LittleEndian(b[20..], Heads);
        BinaryPrimitives.WriteUInt32LittleEndian(b[24..], Cylinders);
        BinaryPrimitives.WriteUInt32LittleEndian(b[28..], ClusterSectors);
        BinaryPrimitives.WriteUInt32LittleEndian(b[32..], BatEntries);
        BinaryPrimitives.WriteUInt64LittleEndian(b[36..], Sectors);
        BinaryPrimitives.WriteUInt32LittleEndian(b[44..], InUse);
        BinaryPrimitives.WriteUInt32LittleEndian(b[48..], DataOffset);
        BinaryPrimitives.WriteUInt32LittleEndian(b[52..], Flags);
        BinaryPrimitives.WriteUInt64LittleEndian(b[56..], ExtensionOffset);
    }
}
