namespace StorageFs.Backends.Files;

/// <summary>
/// One row of libvirt's fileTypeInfo[] (src/storage_file/storage_file_probe.c): magic at
/// an offset, a version field that must hold one of <see cref="Versions"/>
/// (<see cref="VersionOffset"/> −2 means unversioned), and where the virtual size sits.
/// </summary>
internal sealed record MagicFormat(
    string Name,
    int MagicOffset,
    byte[] Magic,
    bool BigEndian,
    int VersionOffset,
    int VersionSize,
    int[] Versions,
    int SizeOffset,
    ulong SizeMultiplier);
