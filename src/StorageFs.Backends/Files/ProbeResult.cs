namespace StorageFs.Backends.Files;

/// <summary>
/// What a file's header says, in libvirt's volume format names
/// (virStorageFileFormat in src/conf/storage_source_conf.c, plus "vhdx").
/// <see cref="Capacity"/> is the virtual size from the header, or the file size for
/// formats without one (raw, iso), or null where the header's size is not read (vhdx).
/// <see cref="BackingFormat"/> is null when the header names a backing file without its
/// format (libvirt's VIR_STORAGE_FILE_AUTO: the caller must not probe it blindly).
/// <see cref="Compat"/> is "1.1" for qcow2 v3 and null otherwise, as libvirt reports it.
/// </summary>
public sealed record ProbeResult(
    string Format,
    ulong? Capacity,
    string? BackingStore = null,
    string? BackingFormat = null,
    ulong? ClusterSize = null,
    string? Encryption = null,
    string? Compat = null,
    IReadOnlyList<string>? Features = null);
