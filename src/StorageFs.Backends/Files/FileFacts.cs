using System.Buffers.Binary;

namespace StorageFs.Backends.Files;

/// <summary>
/// stat and statvfs for volumes and pools, without Mono.Posix: statx(2) (glibc ≥ 2.28)
/// and statvfs(3). Failures throw StorageException with libvirt's wording and the errno.
/// </summary>
public static class FileFacts
{
    /// <summary>
    /// statx of <paramref name="path"/>; with <paramref name="followSymlinks"/> false a
    /// symlink is described itself (AT_SYMLINK_NOFOLLOW), as lstat would.
    /// </summary>
    public static FileStatus Stat(string path, bool followSymlinks = true)
    {
        byte[] buffer = new byte[256];
        int flags = followSymlinks ? 0 : LibC.AtSymlinkNoFollow;
        if (LibC.Statx(LibC.AtFdCwd, path, flags, LibC.StatxBasicStats | LibC.StatxBtime, buffer) != 0)
        {
            throw LibC.Failure($"cannot stat file '{path}'");
        }

        return FileStatus.FromStatx(buffer);
    }

    /// <summary>Capacity, allocation and available space of the filesystem holding <paramref name="path"/>.</summary>
    public static PoolSpace GetPoolSpace(string path)
    {
        // struct statvfs on 64-bit glibc: f_bsize, f_frsize, f_blocks, f_bfree, f_bavail, … (8 bytes each).
        byte[] buffer = new byte[128];
        if (LibC.Statvfs(path, buffer) != 0)
        {
            throw LibC.Failure($"cannot statvfs path '{path}'");
        }

        ulong frsize = BinaryPrimitives.ReadUInt64LittleEndian(buffer.AsSpan(8));
        ulong blocks = BinaryPrimitives.ReadUInt64LittleEndian(buffer.AsSpan(16));
        ulong bfree = BinaryPrimitives.ReadUInt64LittleEndian(buffer.AsSpan(24));
        ulong capacity = frsize * blocks;
        ulong available = frsize * bfree;
        return new PoolSpace(capacity, capacity - available, available);
    }
}
