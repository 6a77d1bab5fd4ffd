namespace StorageFs.Core.Model;

/// <summary>
/// One extent of a volume on a device, formatted as
/// <c>&lt;source&gt;&lt;device path&gt;&lt;extent start end/&gt;</c>: output only (filled by
/// disk and logical refreshes), never read from XML, as in libvirt.
/// </summary>
public readonly record struct VolumeExtent(string DevicePath, ulong Start, ulong End);
