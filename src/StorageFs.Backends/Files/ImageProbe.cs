using System.Buffers.Binary;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace StorageFs.Backends.Files;

/// <summary>
/// Recognises image formats by their magic, as libvirt's <c>virStorageFileProbeFormatFromBuf</c>
/// does (src/storage_file/storage_file_probe.c), and reads what the header says without running
/// qemu-img: virtual size and backing file of qcow, qcow2 and qed (the formats a dir pool holds
/// most), qcow2's version (compat) and feature bits. Anything unrecognised is raw. Reads only
/// from an already opened handle.
/// </summary>
internal static class ImageProbe
{
    private const int HeaderBytes = 4096;
    private const uint Qcow2BackingFormatExtension = 0xE2792ACA;
    private static readonly byte[] QcowMagic = [(byte)'Q', (byte)'F', (byte)'I', 0xFB];

    /// <summary>Probes the file behind <paramref name="handle"/> (<paramref name="size"/> bytes).</summary>
    public static ProbedImage Probe(SafeFileHandle handle, ulong size)
    {
        // On the stack: a refresh probes every volume, and a heap buffer per probe was most of
        // the garbage of starting a pool of many volumes.
        Span<byte> head = stackalloc byte[HeaderBytes];
        int n = RandomAccess.Read(handle, head, 0);
        ReadOnlySpan<byte> h = head[..n];

        if (h.Length >= 72 && h[..4].SequenceEqual(QcowMagic))
        {
            uint version = BinaryPrimitives.ReadUInt32BigEndian(h[4..]);
            return version == 1 ? Qcow(handle, h) : Qcow2(handle, h, version);
        }
        if (h.Length >= 64 && h[..4].SequenceEqual("QED\0"u8))
        {
            return Qed(handle, h);
        }
        if (h.Length >= 4 && h[..4].SequenceEqual("KDMV"u8))
        {
            // Sparse VMDK extent: capacity in sectors at offset 12.
            return new ProbedImage("vmdk", BinaryPrimitives.ReadUInt64LittleEndian(h[12..]) * 512, null, null, null, 0);
        }
        if (h.Length >= 0x178 && BinaryPrimitives.ReadUInt32LittleEndian(h[0x40..]) == 0xbeda107f)
        {
            return new ProbedImage("vdi", BinaryPrimitives.ReadUInt64LittleEndian(h[0x170..]), null, null, null, 0);
        }
        if (h.Length >= 56 && h[..8].SequenceEqual("conectix"u8))
        {
            return new ProbedImage("vpc", BinaryPrimitives.ReadUInt64BigEndian(h[48..]), null, null, null, 0);
        }
        if (h.Length >= 16 && (h[..16].SequenceEqual("WithoutFreeSpace"u8) || h[..16].SequenceEqual("WithouFreSpacExt"u8)))
        {
            return new ProbedImage("ploop", BinaryPrimitives.ReadUInt64LittleEndian(h[36..]) * 512, null, null, null, 0);
        }
        if (h.Length >= 22 && h[..22].SequenceEqual("Bochs Virtual HD Image"u8))
        {
            return new ProbedImage("bochs", size, null, null, null, 0) { NeedsTool = true };
        }
        if (h.Length >= 13 && h[..13].SequenceEqual("#!/bin/sh\n#V2"u8))
        {
            return new ProbedImage("cloop", size, null, null, null, 0) { NeedsTool = true };
        }
        if (size >= 32774)
        {
            Span<byte> iso = stackalloc byte[5];
            if (RandomAccess.Read(handle, iso, 32769) == 5 && iso.SequenceEqual("CD001"u8))
            {
                return new ProbedImage("iso", size, null, null, null, 0);
            }
        }
        return new ProbedImage("raw", size, null, null, null, 0);
    }

    private static ProbedImage Qcow(SafeFileHandle handle, ReadOnlySpan<byte> h)
    {
        ulong backingOffset = BinaryPrimitives.ReadUInt64BigEndian(h[8..]);
        uint backingSize = BinaryPrimitives.ReadUInt32BigEndian(h[16..]);
        ulong virtualSize = BinaryPrimitives.ReadUInt64BigEndian(h[24..]);
        return new ProbedImage("qcow", virtualSize, ReadString(handle, backingOffset, backingSize), null, null, 0);
    }

    private static ProbedImage Qcow2(SafeFileHandle handle, ReadOnlySpan<byte> h, uint version)
    {
        ulong backingOffset = BinaryPrimitives.ReadUInt64BigEndian(h[8..]);
        uint backingSize = BinaryPrimitives.ReadUInt32BigEndian(h[16..]);
        ulong virtualSize = BinaryPrimitives.ReadUInt64BigEndian(h[24..]);
        ulong incompatible = 0, compatible = 0;
        int extensions = 72;
        if (version >= 3 && h.Length >= 104)
        {
            incompatible = BinaryPrimitives.ReadUInt64BigEndian(h[72..]);
            compatible = BinaryPrimitives.ReadUInt64BigEndian(h[80..]);
            extensions = (int)BinaryPrimitives.ReadUInt32BigEndian(h[100..]);
        }
        string? backingFormat = null;
        // Header extensions: (type, length, data padded to 8) until type 0 (qcow2 spec).
        for (int at = extensions; at >= 0 && at + 8 <= h.Length;)
        {
            uint type = BinaryPrimitives.ReadUInt32BigEndian(h[at..]);
            int length = (int)BinaryPrimitives.ReadUInt32BigEndian(h[(at + 4)..]);
            if (type == 0 || length < 0 || at + 8 + length > h.Length)
            {
                break;
            }
            if (type == Qcow2BackingFormatExtension)
            {
                backingFormat = Encoding.UTF8.GetString(h.Slice(at + 8, length));
            }
            at += 8 + ((length + 7) & ~7);
        }
        string compat = version >= 3 ? "1.1" : "0.10";
        // Compatible bit 0: lazy refcounts; incompatible bit 4: extended L2 entries.
        int features = ((compatible & 1) != 0 ? 1 : 0) | ((incompatible & 0x10) != 0 ? 2 : 0);
        // cluster_bits at byte 20 (9 to 21 are valid, qcow2 spec), which libvirt shows as <clusterSize>.
        uint clusterBits = BinaryPrimitives.ReadUInt32BigEndian(h[20..]);
        return new ProbedImage("qcow2", virtualSize, ReadString(handle, backingOffset, backingSize), backingFormat, compat, features)
        {
            ClusterSize = clusterBits is >= 9 and <= 21 ? 1UL << (int)clusterBits : 0,
        };
    }

    private static ProbedImage Qed(SafeFileHandle handle, ReadOnlySpan<byte> h)
    {
        ulong virtualSize = BinaryPrimitives.ReadUInt64LittleEndian(h[48..]);
        uint backingOffset = BinaryPrimitives.ReadUInt32LittleEndian(h[56..]);
        uint backingSize = BinaryPrimitives.ReadUInt32LittleEndian(h[60..]);
        return new ProbedImage("qed", virtualSize, ReadString(handle, backingOffset, backingSize), null, null, 0);
    }

    private static string? ReadString(SafeFileHandle handle, ulong offset, uint length)
    {
        if (offset == 0 || length == 0 || length > 4096)
        {
            return null;
        }
        var buf = new byte[length];
        int n = RandomAccess.Read(handle, buf, (long)offset);
        return n == length ? Encoding.UTF8.GetString(buf) : null;
    }
}
