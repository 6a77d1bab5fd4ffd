namespace StorageFs.Backends.Disk;

/// <summary>One row of <c>parted -m unit B print free</c>: a partition or a free region.</summary>
/// <param name="Number">Partition number (free rows carry a meaningless 1).</param>
/// <param name="Start">First byte.</param>
/// <param name="End">Last byte (inclusive, as parted prints it).</param>
/// <param name="FileSystem">File system parted recognised in it ("ext4", "linux-swap(v1)"), or empty.</param>
/// <param name="Name">GPT partition name, or empty.</param>
/// <param name="Flags">Comma-separated flags ("boot, lba"), or empty.</param>
public sealed record PartedRegion(int Number, ulong Start, ulong End, string FileSystem, string Name, string Flags)
{
    /// <summary>Size in bytes.</summary>
    public ulong Size => End - Start + 1;
}
