namespace StorageFs.Backends.QemuImg;

/// <summary>
/// The fields of `qemu-img info --output=json` a dir pool needs (qemu's ImageInfo in
/// qapi/block-core.json). <see cref="Compat"/> and <see cref="LazyRefcounts"/> come from
/// format-specific data and are null for formats without them.
/// </summary>
public sealed record QemuImgInfo(
    string Format,
    long VirtualSize,
    long? ActualSize,
    string? BackingFilename,
    string? BackingFilenameFormat,
    string? FullBackingFilename,
    long? ClusterSize,
    string? Compat,
    bool? LazyRefcounts,
    bool Encrypted,
    bool? DirtyFlag);
