using StorageFs.Core.Backend;

namespace StorageFs.Core.Driver;

/// <summary>The words of <c>archive DEST [compress=…] [snapshot] [overwrite]</c>.</summary>
public sealed record ArchiveOptions(ArchiveCompression Compression = ArchiveCompression.Zstd, bool Snapshot = false, bool Overwrite = false);
