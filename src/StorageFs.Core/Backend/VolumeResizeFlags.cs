namespace StorageFs.Core.Backend;

/// <summary>
/// Flags of a volume resize, with libvirt's values (<c>virStorageVolResizeFlags</c>,
/// include/libvirt/libvirt-storage.h).
/// </summary>
[Flags]
public enum VolumeResizeFlags
{
    None = 0,

    /// <summary>VIR_STORAGE_VOL_RESIZE_ALLOCATE: allocate the new space (raw only).</summary>
    Allocate = 1 << 0,

    /// <summary>VIR_STORAGE_VOL_RESIZE_DELTA: the capacity is a change, not a new size.</summary>
    Delta = 1 << 1,

    /// <summary>VIR_STORAGE_VOL_RESIZE_SHRINK: allow the capacity to go down.</summary>
    Shrink = 1 << 2,
}
