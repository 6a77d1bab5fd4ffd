namespace StorageFs.Core.Backend;

/// <summary>
/// Flags of a pool build, with libvirt's values (<c>virStoragePoolBuildFlags</c>,
/// include/libvirt/libvirt-storage.h). <see cref="Overwrite"/> and <see cref="NoOverwrite"/>
/// are mutually exclusive; <see cref="Repair"/> and <see cref="Resize"/> are accepted by no
/// libvirt backend.
/// </summary>
[Flags]
public enum PoolBuildFlags
{
    /// <summary>VIR_STORAGE_POOL_BUILD_NEW: plain build.</summary>
    None = 0,

    /// <summary>VIR_STORAGE_POOL_BUILD_REPAIR.</summary>
    Repair = 1 << 0,

    /// <summary>VIR_STORAGE_POOL_BUILD_RESIZE.</summary>
    Resize = 1 << 1,

    /// <summary>VIR_STORAGE_POOL_BUILD_NO_OVERWRITE: refuse to format a device that holds data.</summary>
    NoOverwrite = 1 << 2,

    /// <summary>VIR_STORAGE_POOL_BUILD_OVERWRITE: format even over existing data.</summary>
    Overwrite = 1 << 3,
}
