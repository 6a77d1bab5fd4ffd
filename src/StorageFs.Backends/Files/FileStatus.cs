using System.Buffers.Binary;

namespace StorageFs.Backends.Files;

/// <summary>
/// What statx(2) says about one file. <see cref="Allocation"/> is st_blocks × 512 (the
/// kernel always counts st_blocks in 512-byte units, whatever the block size) and
/// <see cref="Size"/> is st_size: libvirt's volume allocation and capacity/physical
/// (virStorageSourceUpdateBackingSizes / storageBackendUpdateVolTargetInfo in
/// src/storage/storage_util.c). <see cref="BirthTime"/> is null where the filesystem has none.
/// <see cref="IsMountRoot"/> is STATX_ATTR_MOUNT_ROOT (Linux ≥ 5.8), which also catches
/// bind mounts of the same filesystem that a device-number comparison misses.
/// </summary>
public sealed record FileStatus(
    FileKind Kind,
    UnixFileMode Mode,
    uint Uid,
    uint Gid,
    long Size,
    long Allocation,
    uint DeviceMajor,
    uint DeviceMinor,
    ulong Inode,
    uint LinkCount,
    uint RdevMajor,
    uint RdevMinor,
    DateTimeOffset AccessTime,
    DateTimeOffset ModifyTime,
    DateTimeOffset ChangeTime,
    DateTimeOffset? BirthTime,
    bool IsMountRoot)
{
    /// <summary>
    /// Fewer blocks than the size needs: libvirt's test before wiping by truncation
    /// (storageBackendVolWipeLocalFile: st_blocks &lt; st_size / DEV_BSIZE).
    /// </summary>
    public bool IsSparse => Kind == FileKind.Regular && Allocation / 512 < Size / 512;

    /// <summary>Decodes a struct statx (offsets from include/uapi/linux/stat.h).</summary>
    internal static FileStatus FromStatx(ReadOnlySpan<byte> b)
    {
        uint mask = BinaryPrimitives.ReadUInt32LittleEndian(b);
        ushort mode = BinaryPrimitives.ReadUInt16LittleEndian(b[28..]);
        return new FileStatus(
            KindOf(mode),
            (UnixFileMode)(mode & 0xfff),
            BinaryPrimitives.ReadUInt32LittleEndian(b[20..]),
            BinaryPrimitives.ReadUInt32LittleEndian(b[24..]),
            (long)BinaryPrimitives.ReadUInt64LittleEndian(b[40..]),
            (long)BinaryPrimitives.ReadUInt64LittleEndian(b[48..]) * 512,
            BinaryPrimitives.ReadUInt32LittleEndian(b[136..]),
            BinaryPrimitives.ReadUInt32LittleEndian(b[140..]),
            BinaryPrimitives.ReadUInt64LittleEndian(b[32..]),
            BinaryPrimitives.ReadUInt32LittleEndian(b[16..]),
            BinaryPrimitives.ReadUInt32LittleEndian(b[128..]),
            BinaryPrimitives.ReadUInt32LittleEndian(b[132..]),
            Time(b[64..]),
            Time(b[112..]),
            Time(b[96..]),
            (mask & LibC.StatxBtime) != 0 ? Time(b[80..]) : null,
            (BinaryPrimitives.ReadUInt64LittleEndian(b[8..]) & BinaryPrimitives.ReadUInt64LittleEndian(b[56..]) & LibC.StatxAttrMountRoot) != 0);
    }

    private static FileKind KindOf(ushort mode) => (mode & 0xf000) switch
    {
        0x8000 => FileKind.Regular,
        0x4000 => FileKind.Directory,
        0xa000 => FileKind.Symlink,
        0x6000 => FileKind.BlockDevice,
        0x2000 => FileKind.CharacterDevice,
        0x1000 => FileKind.Fifo,
        0xc000 => FileKind.Socket,
        _ => FileKind.Unknown,
    };

    private static DateTimeOffset Time(ReadOnlySpan<byte> timestamp) =>
        DateTimeOffset.UnixEpoch
            .AddSeconds(BinaryPrimitives.ReadInt64LittleEndian(timestamp))
            .AddTicks(BinaryPrimitives.ReadUInt32LittleEndian(timestamp[8..]) / 100);
}
