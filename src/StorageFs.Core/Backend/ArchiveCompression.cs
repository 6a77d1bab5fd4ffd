namespace StorageFs.Core.Backend;

/// <summary>The compressors an archive can be written with; each archive is that tool's own
/// standard stream, so the tool restores it without StorageFs.</summary>
public enum ArchiveCompression
{
    Zstd,
    Gzip,
    Lzop,
    Xz,
}
