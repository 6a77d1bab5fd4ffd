namespace StorageFs.Backends.Files;

/// <summary>
/// Pool numbers of a directory-backed pool, computed as libvirt's dir backend does
/// (virStorageBackendFileSystemRefresh in src/storage/storage_util.c):
/// capacity = f_frsize × f_blocks, available = f_frsize × f_bfree (root-reserved blocks
/// included, not f_bavail), allocation = capacity − available.
/// </summary>
public readonly record struct PoolSpace(ulong Capacity, ulong Allocation, ulong Available);
