namespace StorageFs.Backends.IscsiDirect;

/// <summary>One LUN as <c>iscsi-ls -s</c> lists it.</summary>
/// <param name="Lun">Its number.</param>
/// <param name="DeviceType">SCSI peripheral type name: DIRECT_ACCESS for a disk,
/// STORAGE_ARRAY_CONTROLLER for tgt's LUN 0…</param>
public sealed record IscsiLun(int Lun, string DeviceType)
{
    /// <summary>True for a disk (SCSI peripheral type 0), the only kind with a capacity.</summary>
    public bool IsDisk => DeviceType == "DIRECT_ACCESS";
}
