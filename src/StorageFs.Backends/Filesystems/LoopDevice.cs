namespace StorageFs.Backends.Filesystems;

/// <summary>A configured loop device and its partitions' device numbers.</summary>
/// <param name="Path">Its node, <c>/dev/loopN</c>.</param>
/// <param name="Major">Device major.</param>
/// <param name="Minor">Device minor.</param>
/// <param name="Partitions">Partitions the kernel found on it (partscan): node and numbers.</param>
internal sealed record LoopDevice(string Path, uint Major, uint Minor, IReadOnlyList<(string Path, uint Major, uint Minor)> Partitions);
