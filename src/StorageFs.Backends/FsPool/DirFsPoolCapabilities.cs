using StorageFs.Core.Backend;
using StorageFs.Core.Model;

namespace StorageFs.Backends.FsPool;

/// <summary>
/// What a <c>dir</c> fspool supports (the fspool series' <c>virFSBackendDir</c>,
/// src/fs/fs_backend_dir.c): no start or stop; build (mkdir), delete (rmdir), refresh, and
/// item create, copy, delete and refresh; listing items cheaply and opening an item's directory
/// for the tree.
/// </summary>
public static class DirFsPoolCapabilities
{
    /// <summary>The record.</summary>
    public static FsPoolBackendCapabilities Value { get; } = new(
        FsPoolType.Dir,
        FsPoolOperations.Check | FsPoolOperations.Build | FsPoolOperations.Delete | FsPoolOperations.Refresh |
        FsPoolOperations.CreateItem | FsPoolOperations.CloneItem | FsPoolOperations.DeleteItem |
        FsPoolOperations.RefreshItem | FsPoolOperations.ListItems | FsPoolOperations.OpenItem,
        PoolBuildFlags.Overwrite | PoolBuildFlags.NoOverwrite,
        BuildWhenCreated: true);
}
