namespace StorageFs.Core.Driver;

/// <summary>
/// What changed. The pool lifecycle kinds follow libvirt's pool events
/// (<c>virStoragePoolEventLifecycleType</c> + the refresh event, libvirt-storage.h), with
/// libvirt's "Created" named <see cref="PoolBuilt"/>; the rest are StorageFs's own.
/// </summary>
public enum StorageEventKind
{
    PoolDefined,
    PoolUndefined,
    PoolStarted,
    PoolStopped,
    PoolBuilt,
    PoolDeleted,
    PoolRefreshed,
    PoolAutostartChanged,
    VolumeCreated,
    VolumeDeleted,
    VolumeResized,
    VolumeWiped,
    VolumeWritten,
    VolumeArchived,
    VolumeRestored,
    VolumeFilesystemResized,
}
