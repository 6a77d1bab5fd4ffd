namespace StorageFs.Core.Backend;

/// <summary>What <see cref="IHostInventory.Describe"/> found.</summary>
/// <param name="Directories">The directories asked about, in the order asked.</param>
/// <param name="VolumeGroups">LVM volume groups, by name.</param>
/// <param name="VolumeGroupsNote">Why there is no list (LVM tools missing, vgs failed), or null.</param>
/// <param name="Mkfs">Filesystems with a <c>mkfs.TYPE</c> on PATH, sorted.</param>
/// <param name="Compressors">Of zstd, gzip, lzop and xz, those on PATH.</param>
public sealed record NodeInventory(
    IReadOnlyList<NodeDirectory> Directories,
    IReadOnlyList<NodeVolumeGroup> VolumeGroups,
    string? VolumeGroupsNote,
    IReadOnlyList<string> Mkfs,
    IReadOnlyList<string> Compressors);
