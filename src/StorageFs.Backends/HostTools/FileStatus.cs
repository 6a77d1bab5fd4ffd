using StorageFs.Interop;
using StorageFs.Core.Model;

namespace StorageFs.Backends.HostTools;

/// <summary>What statx(2) says about one file: type, mode, owner, sizes (st_size and
/// st_blocks·512), identity and the four times.</summary>
internal sealed record FileStatus(
    uint Mode,
    uint Uid,
    uint Gid,
    ulong Size,
    ulong AllocatedBytes,
    uint BlockSize,
    uint DevMajor,
    uint DevMinor,
    ulong Inode,
    VolumeTimestamps Times)
{
    private const uint TypeMask = 0xF000;

    public bool IsRegular => (Mode & TypeMask) == 0x8000;

    public bool IsDirectory => (Mode & TypeMask) == 0x4000;

    public bool IsSymlink => (Mode & TypeMask) == 0xA000;

    public bool IsBlockDevice => (Mode & TypeMask) == 0x6000;

    /// <summary>Permission bits (0777 part).</summary>
    public uint Permissions => Mode & 0x1FF;

    /// <summary>libvirt's sparse test (storageBackendVolWipeLocalFile): fewer blocks than the size needs.</summary>
    public bool IsSparse => AllocatedBytes < Size;

    internal static FileStatus From(in StatCalls.StatxBuffer b) => new(
        b.Mode, b.Uid, b.Gid, b.Size, b.Blocks * 512, b.BlkSize, b.DevMajor, b.DevMinor, b.Ino,
        new VolumeTimestamps
        {
            Atime = new VolumeTimestamp(b.AtimeSec, b.AtimeNsec),
            Mtime = new VolumeTimestamp(b.MtimeSec, b.MtimeNsec),
            Ctime = new VolumeTimestamp(b.CtimeSec, b.CtimeNsec),
            // libvirt reads times with stat(2), which has no birth time on Linux (only FreeBSD's
            // st_birthtim fills it, virStorageSourceUpdateBackingSizes), so vol-dumpxml always
            // says <btime>0</btime>; so does StorageFs, to match it byte for byte.
            Btime = new VolumeTimestamp(0, 0),
        });
}
