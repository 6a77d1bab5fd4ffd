namespace StorageFs.Core.Backend;

/// <summary>
/// Flags of volume creation and cloning, with libvirt's values
/// (<c>virStorageVolCreateFlags</c>, include/libvirt/libvirt-storage.h).
/// </summary>
[Flags]
public enum VolumeCreateFlags
{
    None = 0,

    /// <summary>VIR_STORAGE_VOL_CREATE_PREALLOC_METADATA: qcow2 metadata preallocation.</summary>
    PreallocMetadata = 1 << 0,

    /// <summary>VIR_STORAGE_VOL_CREATE_REFLINK: clone with FICLONE (clone only).</summary>
    Reflink = 1 << 1,

    /// <summary>VIR_STORAGE_VOL_CREATE_VALIDATE: validate the XML against the schema.</summary>
    Validate = 1 << 2,

    /// <summary>StorageFs's own: share the blocks (FICLONE) where the file system can, else
    /// copy them; what the tree's <c>clone</c> does unless told <c>reflink</c> or <c>copy</c>.</summary>
    PreferReflink = 1 << 16,
}
