using System.Buffers.Binary;
using System.Text;
using StorageFs.Core;

namespace StorageFs.Backends.Files;

/// <summary>
/// Detects a volume's format from its first bytes as libvirt does
/// (virStorageFileProbeFormatFromBuf and virStorageFileProbeGetMetadata in
/// src/storage_file/storage_file_probe.c): the first row of <see cref="Table"/> whose magic
/// matches and whose version is known wins; a magic with an unknown version, or no magic,
/// means raw. The header read is libvirt's VIR_STORAGE_MAX_HEADER (0x8200 bytes, enough
/// for the ISO9660 "CD001" at 32769). Beyond libvirt, whose table has no magic for them
/// and so calls them raw, the formats qemu recognises by content are detected too, with
/// qemu's own checks: bochs and cloop (block/bochs.c, block/cloop.c), vhdx
/// (block/vhdx.c), and dmg by its UDIF "koly" trailer in the last 512 bytes.
/// Never trust a non-raw answer for a file a guest could write: a guest can make its raw
/// disk look like anything (libvirt's warning above virStorageFileProbeFormat).
/// </summary>
public static class ImageFormatProbe
{
    public const int MaxHeader = 0x8200;

    private static readonly MagicFormat[] Table =
    [
        new("iso", 32769, "CD001"u8.ToArray(), false, -2, 0, [], -1, 1),
        new("vpc", 0, "conectix"u8.ToArray(), true, 12, 4, [0x10000], 40, 1),
        new("vdi", 64, [0x7f, 0x10, 0xda, 0xbe], false, 68, 4, [0x00010001], 368, 1),
        new("ploop", 0, "WithouFreSpacExt"u8.ToArray(), false, -2, 0, [], 36, 512),
        new("cow", 0, "OOOM"u8.ToArray(), true, 4, 4, [2], 1036, 1),
        new("qcow", 0, "QFI"u8.ToArray(), true, 4, 4, [1], 24, 1),
        new("qcow2", 0, "QFI"u8.ToArray(), true, 4, 4, [2, 3], 24, 1),
        new("qed", 0, "QED"u8.ToArray(), false, -2, 0, [], 48, 1),
        new("vmdk", 0, "KDMV"u8.ToArray(), false, 4, 4, [1, 2, 3], 12, 512),
    ];

    private static readonly string[] KnownFormats =
        ["raw", "dir", "bochs", "cloop", "dmg", "iso", "vpc", "vdi", "fat", "vhd", "ploop", "cow", "qcow", "qcow2", "qed", "vmdk"];

    /// <summary>Probes a file (symlinks followed, as libvirt's dir pool does); a directory is "dir".</summary>
    public static ProbeResult Probe(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                return new ProbeResult("dir", null);
            }

            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.None);
            byte[] header = new byte[(int)Math.Min(MaxHeader, stream.Length)];
            stream.ReadExactly(header);
            byte[] trailer = [];
            if (stream.Length >= 1024)
            {
                trailer = new byte[512];
                stream.Seek(-512, SeekOrigin.End);
                stream.ReadExactly(trailer);
            }

            return ProbeHeader(header, trailer, (ulong)stream.Length);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StorageException(ErrorCode.OperationFailed, $"cannot read header '{path}': {e.Message}", e is UnauthorizedAccessException ? LibC.EACCES : null, e);
        }
    }

    /// <summary>Probes a header already read; <paramref name="trailer"/> is the file's last 512 bytes or empty.</summary>
    public static ProbeResult ProbeHeader(ReadOnlySpan<byte> header, ReadOnlySpan<byte> trailer, ulong fileSize)
    {
        foreach (MagicFormat row in Table)
        {
            if (!Matches(header, row.MagicOffset, row.Magic))
            {
                continue;
            }

            if (!VersionMatches(header, row))
            {
                continue; // libvirt: "matches magic, but version is wrong", falls back to raw
            }

            ulong? capacity = row.SizeOffset < 0 ? fileSize
                : row.SizeOffset + 8 > header.Length ? null
                : Read64(header, row.SizeOffset, row.BigEndian) * row.SizeMultiplier;
            var result = new ProbeResult(row.Name, capacity);
            return row.Name switch
            {
                "qcow" or "qcow2" => QcowDetails.Read(header, result),
                "qed" => Qed(header, result),
                "vmdk" => Vmdk(header, result),
                "cow" => Cow(header, result),
                _ => result,
            };
        }

        return QemuOnlyFormats(header, trailer, fileSize)
            ?? new ProbeResult("raw", fileSize, Encryption: IsLuks1(header) ? "luks" : null);
    }

    /// <summary>Whether <paramref name="format"/> is a libvirt volume format name.</summary>
    internal static bool IsKnownFormat(string format) => KnownFormats.Contains(format, StringComparer.Ordinal);

    private static ProbeResult? QemuOnlyFormats(ReadOnlySpan<byte> header, ReadOnlySpan<byte> trailer, ulong fileSize)
    {
        if (header.Length >= 8 && header.StartsWith("vhdxfile"u8))
        {
            return new ProbeResult("vhdx", null);
        }

        // bochs_header: magic[32] type[16] subtype[16] version u32 @64; disk size @88 (v2) or @84 (v1).
        if (header.Length >= 96 && CString(header[..32]) == "Bochs Virtual HD Image"
            && CString(header[32..48]) == "Redolog" && CString(header[48..64]) == "Growing")
        {
            uint version = BinaryPrimitives.ReadUInt32LittleEndian(header[64..]);
            if (version is 0x20000 or 0x10000)
            {
                return new ProbeResult("bochs", BinaryPrimitives.ReadUInt64LittleEndian(header[(version == 0x20000 ? 88 : 84)..]));
            }
        }

        ReadOnlySpan<byte> cloop = "#!/bin/sh\n#V2.0 Format\nmodprobe cloop file=$0 && mount -r -t iso9660 /dev/cloop $1\n"u8;
        if (header.Length >= cloop.Length && header.StartsWith(cloop))
        {
            return new ProbeResult("cloop", null);
        }

        // UDIF trailer ("koly" block, big-endian): SectorCount u64 at 492.
        if (trailer.Length == 512 && trailer.StartsWith("koly"u8) && BinaryPrimitives.ReadUInt32BigEndian(trailer[4..]) == 4)
        {
            return new ProbeResult("dmg", BinaryPrimitives.ReadUInt64BigEndian(trailer[492..]) * 512);
        }

        _ = fileSize;
        return null;
    }

    /// <summary>LUKS1 header: "LUKS\xba\xbe", big-endian version 1 at 6 (libvirt's luksEncryptionInfo).</summary>
    private static bool IsLuks1(ReadOnlySpan<byte> header) =>
        header.Length >= 8 && header.StartsWith((ReadOnlySpan<byte>)[(byte)'L', (byte)'U', (byte)'K', (byte)'S', 0xba, 0xbe]) && BinaryPrimitives.ReadUInt16BigEndian(header[6..]) == 1;

    private static ProbeResult Qed(ReadOnlySpan<byte> b, ProbeResult result)
    {
        // QEDHeader, little-endian: features u64 @16; backing_filename_offset u32 @56, size u32 @60.
        const ulong HasBacking = 0x01, NoProbe = 0x04;
        if (b.Length < 64)
        {
            return result;
        }

        ulong features = BinaryPrimitives.ReadUInt64LittleEndian(b[16..]);
        if ((features & HasBacking) == 0)
        {
            return result;
        }

        uint offset = BinaryPrimitives.ReadUInt32LittleEndian(b[56..]);
        uint size = BinaryPrimitives.ReadUInt32LittleEndian(b[60..]);
        if (size == 0 || (ulong)offset + size > (ulong)b.Length)
        {
            return result;
        }

        return result with
        {
            BackingStore = Encoding.UTF8.GetString(b.Slice((int)offset, (int)size)),
            BackingFormat = (features & NoProbe) != 0 ? "raw" : null,
        };
    }

    private static ProbeResult Vmdk(ReadOnlySpan<byte> b, ProbeResult result)
    {
        // The embedded descriptor of a sparse extent starts at 0x200.
        if (b.Length <= 0x200)
        {
            return result;
        }

        string descriptor = Encoding.Latin1.GetString(b[0x200..]);
        const string Hint = "parentFileNameHint=\"";
        int start = descriptor.IndexOf(Hint, StringComparison.Ordinal);
        if (start < 0)
        {
            return result;
        }

        start += Hint.Length;
        int end = descriptor.IndexOf('"', start);
        return end <= start ? result : result with { BackingStore = descriptor[start..end] };
    }

    private static ProbeResult Cow(ReadOnlySpan<byte> b, ProbeResult result)
    {
        // cow_header_v2: magic u32, version u32, backing_file[1024].
        if (b.Length < 8 + 1024 || b[8] == 0)
        {
            return result;
        }

        return result with { BackingStore = CString(b.Slice(8, 1024)) };
    }

    private static bool Matches(ReadOnlySpan<byte> header, int offset, byte[] magic) =>
        offset + magic.Length <= header.Length && header.Slice(offset, magic.Length).SequenceEqual(magic);

    private static bool VersionMatches(ReadOnlySpan<byte> header, MagicFormat row)
    {
        if (row.VersionOffset == -2)
        {
            return true;
        }

        if (row.VersionOffset + row.VersionSize > header.Length)
        {
            return false;
        }

        ReadOnlySpan<byte> field = header.Slice(row.VersionOffset, row.VersionSize);
        int version = row.VersionSize == 4
            ? (row.BigEndian ? BinaryPrimitives.ReadInt32BigEndian(field) : BinaryPrimitives.ReadInt32LittleEndian(field))
            : (row.BigEndian ? BinaryPrimitives.ReadInt16BigEndian(field) : BinaryPrimitives.ReadInt16LittleEndian(field));
        return row.Versions.Contains(version);
    }

    internal static ulong Read64(ReadOnlySpan<byte> b, int offset, bool bigEndian) =>
        bigEndian ? BinaryPrimitives.ReadUInt64BigEndian(b[offset..]) : BinaryPrimitives.ReadUInt64LittleEndian(b[offset..]);

    private static string CString(ReadOnlySpan<byte> b)
    {
        int nul = b.IndexOf((byte)0);
        return Encoding.UTF8.GetString(nul < 0 ? b : b[..nul]);
    }
}
