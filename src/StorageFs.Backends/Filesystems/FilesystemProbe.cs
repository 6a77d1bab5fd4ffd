using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;

namespace StorageFs.Backends.Filesystems;

/// <summary>
/// Recognises what the first blocks of a volume hold from the magic numbers libblkid checks
/// (util-linux libblkid/src/superblocks/*.c, partitions/*.c), in one read of the first 68 KiB:
/// ext2/3/4 (told apart by feature flags as blkid does), xfs, btrfs (and the sizes their
/// superblocks give), swap, vfat, LVM2 physical volumes, LUKS, iso9660 and GPT/DOS partition
/// tables. No tool runs: `blkid -p` costs a process start per volume (docs/PERFORMANCE.md).
/// </summary>
internal static class FilesystemProbe
{
    /// <summary>Bytes read: the btrfs superblock sits at 64 KiB and is 4 KiB long.</summary>
    public const int HeadBytes = 68 * 1024;

    private const int ExtSuper = 1024;
    private const int BtrfsSuper = 64 * 1024;
    private static readonly byte[] LuksMagic = [(byte)'L', (byte)'U', (byte)'K', (byte)'S', 0xBA, 0xBE];

    /// <summary>Probes the volume behind <paramref name="handle"/>.</summary>
    public static ProbedFilesystem Probe(SafeFileHandle handle)
    {
        byte[] head = new byte[HeadBytes];
        int n = 0;
        while (n < head.Length)
        {
            int got = RandomAccess.Read(handle, head.AsSpan(n), n);
            if (got <= 0)
            {
                break;
            }
            n += got;
        }
        return Probe(head.AsSpan(0, n));
    }

    /// <summary>Probes the first bytes of a volume (fewer than <see cref="HeadBytes"/> for a small one).</summary>
    public static ProbedFilesystem Probe(ReadOnlySpan<byte> h)
    {
        if (h.Length >= ExtSuper + 1024 && BinaryPrimitives.ReadUInt16LittleEndian(h[(ExtSuper + 56)..]) == 0xEF53)
        {
            return Ext(h[ExtSuper..]);
        }
        if (h.Length >= 512 && h[..4].SequenceEqual("XFSB"u8))
        {
            uint blockSize = BinaryPrimitives.ReadUInt32BigEndian(h[4..]);
            ulong blocks = BinaryPrimitives.ReadUInt64BigEndian(h[8..]);
            return new ProbedFilesystem("xfs", blocks * blockSize, blockSize);
        }
        if (h.Length >= BtrfsSuper + 0x100 && h.Slice(BtrfsSuper + 0x40, 8).SequenceEqual("_BHRfS_M"u8))
        {
            ulong total = BinaryPrimitives.ReadUInt64LittleEndian(h[(BtrfsSuper + 0x70)..]);
            uint sector = BinaryPrimitives.ReadUInt32LittleEndian(h[(BtrfsSuper + 0x90)..]);
            return new ProbedFilesystem("btrfs", total, sector);
        }
        if (h.Length >= 6 && h[..6].SequenceEqual(LuksMagic))
        {
            return Named("crypto_LUKS");
        }
        // LVM2: "LABELONE" in one of the first four sectors, "LVM2 001" 24 bytes after it.
        for (int sector = 0; sector < 4 && h.Length >= (sector + 1) * 512; sector++)
        {
            var label = h.Slice(sector * 512, 512);
            if (label[..8].SequenceEqual("LABELONE"u8) && label.Slice(24, 8).SequenceEqual("LVM2 001"u8))
            {
                return Named("LVM2_member");
            }
        }
        // swap: the signature ends the first page (4 KiB on x86_64 and most arm64 kernels).
        foreach (int page in (ReadOnlySpan<int>)[4096, 8192, 16384, 65536])
        {
            if (h.Length >= page && (h.Slice(page - 10, 10).SequenceEqual("SWAPSPACE2"u8) || h.Slice(page - 10, 10).SequenceEqual("SWAP-SPACE"u8)))
            {
                return Named("swap");
            }
        }
        if (h.Length >= 0x8006 && h[0x8000] == 1 && h.Slice(0x8001, 5).SequenceEqual("CD001"u8))
        {
            return Named("iso9660");
        }
        if (h.Length >= 1024 && h.Slice(512, 8).SequenceEqual("EFI PART"u8))
        {
            return Named("gpt partition table");
        }
        if (h.Length >= 512 && h[510] == 0x55 && h[511] == 0xAA)
        {
            if (IsFat(h))
            {
                return Named("vfat");
            }
            if (IsDosTable(h))
            {
                return Named("dos partition table");
            }
        }
        return h.IndexOfAnyExcept((byte)0) < 0 ? Named("none") : Named("unknown");
    }

    private static ProbedFilesystem Named(string type) => new(type, 0, 0);

    // blkid's ext rules (superblocks/ext.c): a journal makes ext3; features ext3 lacks make ext4.
    private static ProbedFilesystem Ext(ReadOnlySpan<byte> sb)
    {
        const uint Ext3IncompatSupported = 0x0002 | 0x0004 | 0x0010; // filetype, recover, meta_bg
        const uint Ext3RoCompatSupported = 0x0001 | 0x0002 | 0x0004; // sparse_super, large_file, btree_dir
        const uint IncompatJournalDev = 0x0008;
        const uint Incompat64Bit = 0x0080;
        uint compat = BinaryPrimitives.ReadUInt32LittleEndian(sb[92..]);
        uint incompat = BinaryPrimitives.ReadUInt32LittleEndian(sb[96..]);
        uint roCompat = BinaryPrimitives.ReadUInt32LittleEndian(sb[100..]);
        uint blockSize = 1024u << (int)Math.Min(BinaryPrimitives.ReadUInt32LittleEndian(sb[24..]), 6);
        ulong blocks = BinaryPrimitives.ReadUInt32LittleEndian(sb[4..]);
        if ((incompat & Incompat64Bit) != 0)
        {
            blocks |= (ulong)BinaryPrimitives.ReadUInt32LittleEndian(sb[0x150..]) << 32;
        }
        string type;
        if ((incompat & IncompatJournalDev) != 0)
        {
            type = "jbd";
        }
        else if ((incompat & ~Ext3IncompatSupported) != 0 || (roCompat & ~Ext3RoCompatSupported) != 0)
        {
            type = "ext4";
        }
        else
        {
            type = (compat & 0x0004) != 0 ? "ext3" : "ext2";
        }
        return new ProbedFilesystem(type, blocks * blockSize, blockSize);
    }

    // A FAT boot sector: a jump instruction, a power-of-two sector size, a nonzero cluster size
    // and the FAT type string where FAT12/16 or FAT32 keep it (superblocks/vfat.c checks more).
    private static bool IsFat(ReadOnlySpan<byte> h)
    {
        bool jump = h[0] == 0xEB || h[0] == 0xE9;
        ushort sectorSize = BinaryPrimitives.ReadUInt16LittleEndian(h[11..]);
        bool sizes = sectorSize is 512 or 1024 or 2048 or 4096 && h[13] != 0 && (h[13] & (h[13] - 1)) == 0;
        bool named = h.Slice(54, 3).SequenceEqual("FAT"u8) || h.Slice(82, 3).SequenceEqual("FAT"u8)
            || h.Slice(3, 8).SequenceEqual("mkfs.fat"u8) || h.Slice(3, 5).SequenceEqual("MSDOS"u8) || h.Slice(3, 5).SequenceEqual("MSWIN"u8);
        return jump && sizes && named;
    }

    // partitions/dos.c: each of the four entries has a boot flag of 0x00 or 0x80.
    private static bool IsDosTable(ReadOnlySpan<byte> h)
    {
        bool any = false;
        for (int i = 0; i < 4; i++)
        {
            var e = h.Slice(446 + (i * 16), 16);
            if (e[0] is not 0 and not 0x80)
            {
                return false;
            }
            any |= e[4] != 0;
        }
        return any;
    }
}
