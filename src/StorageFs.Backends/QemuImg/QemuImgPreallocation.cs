namespace StorageFs.Backends.QemuImg;

/// <summary>
/// The preallocation libvirt asks qemu-img for under VIR_STORAGE_VOL_CREATE_PREALLOC_METADATA:
/// metadata when capacity exceeds the wanted allocation, else falloc
/// (storageBackendCreateQemuImgOpts, src/storage/storage_util.c).
/// </summary>
public enum QemuImgPreallocation
{
    None,
    Metadata,
    Falloc,
}
