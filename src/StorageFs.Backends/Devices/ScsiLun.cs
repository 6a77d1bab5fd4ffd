using StorageFs.Backends.HostTools;
namespace StorageFs.Backends.Devices;

/// <summary>A disk or CD-ROM logical unit found in sysfs.</summary>
/// <param name="Host">SCSI host number.</param>
/// <param name="Bus">Channel.</param>
/// <param name="Target">Target id.</param>
/// <param name="Lun">LUN.</param>
/// <param name="DeviceType">SCSI peripheral type (0 disk, 5 CD-ROM).</param>
/// <param name="BlockDevice">Kernel block device name (sdb).</param>
/// <param name="Capacity">Size in bytes (sysfs size × 512).</param>
/// <param name="Wwid">The unit's world-wide id (sysfs wwid, from VPD page 0x83), or null.</param>
public sealed record ScsiLun(uint Host, uint Bus, uint Target, uint Lun, int DeviceType, string BlockDevice, ulong Capacity, string? Wwid)
{
    /// <summary>libvirt's volume name: unit:BUS:TARGET:LUN.</summary>
    public string VolumeName => $"unit:{Bus}:{Target}:{Lun}";
}
