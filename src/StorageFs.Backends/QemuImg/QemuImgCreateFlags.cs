namespace StorageFs.Backends.QemuImg;

/// <summary>
/// Volume creation flags that change the qemu-img command, with libvirt's values
/// (<c>VIR_STORAGE_VOL_CREATE_*</c>, include/libvirt/libvirt-storage.h).
/// </summary>
[Flags]
public enum QemuImgCreateFlags
{
    None = 0,

    /// <summary>Preallocate qcow2 metadata (falloc when allocation ≥ capacity).</summary>
    PreallocMetadata = 1 << 0,
}
