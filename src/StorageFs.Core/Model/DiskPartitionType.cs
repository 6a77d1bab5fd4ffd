namespace StorageFs.Core.Model;

/// <summary>
/// Volume formats of disk pools (partition types), in libvirt's <c>virStorageVolFormatDisk</c>
/// order. Invariant: <c>StorageFormats.DiskPartition[(int)t]</c> is the XML name of t.
/// </summary>
public enum DiskPartitionType
{
    None, Linux, Fat16, Fat32, LinuxSwap, LinuxLvm, LinuxRaid, Extended,
}
