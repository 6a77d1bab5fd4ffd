namespace StorageFs.Core.Backend;

/// <summary>A pool's numbers in bytes, as <c>pool-info</c> shows them.</summary>
/// <param name="Capacity">Total size.</param>
/// <param name="Allocation">Bytes in use.</param>
/// <param name="Available">Bytes free.</param>
public readonly record struct PoolSizes(ulong Capacity, ulong Allocation, ulong Available);
