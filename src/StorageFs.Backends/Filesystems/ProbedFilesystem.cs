namespace StorageFs.Backends.Filesystems;

/// <summary>What <see cref="FilesystemProbe"/> recognised.</summary>
/// <param name="Type">blkid's TYPE word (<c>ext4</c>, <c>xfs</c>, <c>btrfs</c>, <c>swap</c>, <c>vfat</c>,
/// <c>LVM2_member</c>, <c>crypto_LUKS</c>, <c>iso9660</c>), <c>gpt partition table</c>,
/// <c>dos partition table</c>, <c>none</c> (all zeros) or <c>unknown</c>.</param>
/// <param name="Size">The filesystem's size in bytes as its superblock says (ext, xfs, btrfs), else 0.</param>
/// <param name="BlockSize">Its block size in bytes (ext, xfs), else 0.</param>
internal sealed record ProbedFilesystem(string Type, ulong Size, uint BlockSize)
{
    /// <summary>ext2, ext3 or ext4.</summary>
    public bool IsExt => Type is "ext2" or "ext3" or "ext4";
}
