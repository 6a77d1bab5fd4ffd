namespace StorageFs.Core.Model;

/// <summary>
/// Source formats of disk pools (partition table labels), in libvirt's
/// <c>virStoragePoolFormatDisk</c> order. Invariant: <c>StorageFormats.DiskLabel[(int)f]</c>
/// is the XML name of f.
/// </summary>
public enum DiskLabelFormat
{
    Unknown, Dos, Dvh, Gpt, Mac, Bsd, Pc98, Sun, Lvm2,
}
