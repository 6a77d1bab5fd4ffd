namespace StorageFs.Core.Driver;

/// <summary>
/// A pool's state, with libvirt's values and names (<c>virStoragePoolState</c>,
/// include/libvirt/libvirt-storage.h; virsh prints the lower-case names). libvirt itself
/// reports only running and inactive; StorageFs also uses the other three (see each).
/// </summary>
public enum PoolState
{
    /// <summary>Not running.</summary>
    Inactive = 0,

    /// <summary>A build or start is in progress.</summary>
    Building = 1,

    /// <summary>Running: volumes can be listed and used.</summary>
    Running = 2,

    /// <summary>Running, but the last refresh skipped entries it could not read.</summary>
    Degraded = 3,

    /// <summary>Meant to run (started by the user or autostart), but its start or a refresh
    /// failed; not active until started again.</summary>
    Inaccessible = 4,
}
