namespace StorageFs.Backends.Disk;

/// <summary>Where a new partition goes and how parted is told to make it.</summary>
/// <param name="Kind">Primary, logical or extended.</param>
/// <param name="PartedType">The mkpart type word ("primary", "primary ext2", "logical ext2", "extended").</param>
/// <param name="Start">First byte.</param>
/// <param name="End">Last byte (inclusive).</param>
/// <param name="Number">The number parted will give it.</param>
public sealed record PartitionPlan(PartitionKind Kind, string PartedType, ulong Start, ulong End, int Number);
