namespace StorageFs.Core.Backend;

/// <summary>What a file's first bytes say about it as an archive: its compressor (null: not
/// compressed) and the size its bytes expand to (-1 when no record of it was found).</summary>
public sealed record ArchiveFacts(ArchiveCompression? Compression, long ExpandedSize)
{
    /// <summary>Plain bytes of <paramref name="length"/>: nothing to expand.</summary>
    public static ArchiveFacts Plain(long length) => new(null, length);
}
