namespace StorageFs.Core.Backend;

/// <summary>An LVM volume group as <c>vgs</c> reports it.</summary>
/// <param name="Name">Its name.</param>
/// <param name="Capacity">Size in bytes.</param>
/// <param name="Available">Free bytes.</param>
public sealed record NodeVolumeGroup(string Name, ulong Capacity, ulong Available);
