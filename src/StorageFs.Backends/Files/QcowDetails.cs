using System.Buffers.Binary;
using System.Text;

namespace StorageFs.Backends.Files;

/// <summary>
/// qcow and qcow2 header fields libvirt reads (storage_file_probe.c: qcowXGetBackingStore,
/// qcow2GetExtensions, qcow2GetClusterSize, qcow2GetFeatures; layout from qemu's
/// docs/interop/qcow2.txt). All fields are big-endian. The backing file name is at
/// backing_file_offset (u64 @8) for backing_file_size (u32 @16) bytes, at most 1023;
/// its format is the 0xE2792ACA header extension found between the end of the header
/// (72 for v2, header_length u32 @100 for v3) and the backing file name.
/// </summary>
internal static class QcowDetails
{
    private const uint ExtensionEnd = 0;
    private const uint ExtensionBackingFormat = 0xE2792ACA;

    public static ProbeResult Read(ReadOnlySpan<byte> b, ProbeResult result)
    {
        int version = BinaryPrimitives.ReadInt32BigEndian(b[4..]);
        if (result.Format == "qcow2" && b.Length >= 24)
        {
            int clusterBits = BinaryPrimitives.ReadInt32BigEndian(b[20..]);
            result = result with { ClusterSize = clusterBits is > 0 and < 64 ? 1UL << clusterBits : null };
        }

        // crypt_method: u32 @32 in qcow2, @36 in qcow (after mtime, cluster_bits, l2_bits, padding).
        int cryptAt = result.Format == "qcow2" ? 32 : 36;
        if (b.Length >= cryptAt + 4)
        {
            uint crypt = BinaryPrimitives.ReadUInt32BigEndian(b[cryptAt..]);
            result = result with { Encryption = crypt == 1 ? "qcow" : crypt == 2 && result.Format == "qcow2" ? "luks" : null };
        }

        if (result.Format == "qcow2" && version == 3 && b.Length >= 104)
        {
            ulong incompatible = BinaryPrimitives.ReadUInt64BigEndian(b[72..]);
            ulong compatible = BinaryPrimitives.ReadUInt64BigEndian(b[80..]);
            var features = new List<string>();
            if ((compatible & 1) != 0)
            {
                features.Add("lazy_refcounts");
            }

            if ((incompatible & (1 << 4)) != 0)
            {
                features.Add("extended_l2");
            }

            result = result with { Compat = "1.1", Features = features };
        }

        if (b.Length < 20)
        {
            return result;
        }

        ulong offset = BinaryPrimitives.ReadUInt64BigEndian(b[8..]);
        uint size = BinaryPrimitives.ReadUInt32BigEndian(b[16..]);
        if (offset == 0 || size == 0 || size > 1023 || offset + size > (ulong)b.Length)
        {
            return result;
        }

        result = result with { BackingStore = Encoding.UTF8.GetString(b.Slice((int)offset, (int)size)) };
        return version >= 2 ? result with { BackingFormat = BackingFormat(b, version, (int)offset) } : result;
    }

    private static string? BackingFormat(ReadOnlySpan<byte> b, int version, int extensionEnd)
    {
        long offset = version == 2 ? 72 : b.Length >= 104 ? BinaryPrimitives.ReadUInt32BigEndian(b[100..]) : long.MaxValue;
        while (offset + 8 <= extensionEnd && offset + 8 <= b.Length)
        {
            uint magic = BinaryPrimitives.ReadUInt32BigEndian(b[(int)offset..]);
            uint length = BinaryPrimitives.ReadUInt32BigEndian(b[((int)offset + 4)..]);
            offset += 8;
            if (magic == ExtensionEnd || offset + length > b.Length)
            {
                return null;
            }

            if (magic == ExtensionBackingFormat)
            {
                string format = Encoding.UTF8.GetString(b.Slice((int)offset, (int)length));
                return ImageFormatProbe.IsKnownFormat(format) ? format : null;
            }

            // Extensions are padded to 8 bytes (qcow2.txt, "Header extensions").
            offset += (length + 7) & ~7u;
        }

        return null;
    }
}
