namespace StorageFs.Core.Backend;

/// <summary>A checked growfs or shrinkfs (<see cref="IVolumeFilesystems.PlanResize"/>).</summary>
/// <param name="Filesystem">The filesystem found: ext2, ext3, ext4, xfs or btrfs.</param>
/// <param name="CurrentSize">Its size in bytes now.</param>
/// <param name="NewSize">Its size in bytes after (rounded down to its block size).</param>
/// <param name="Shrink">True for shrinkfs.</param>
public sealed record FilesystemResizePlan(string Filesystem, ulong CurrentSize, ulong NewSize, bool Shrink);
