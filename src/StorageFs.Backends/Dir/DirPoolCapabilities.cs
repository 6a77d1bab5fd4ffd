using StorageFs.Backends.Files;
using StorageFs.Core.Backend;
using StorageFs.Core.Model;

namespace StorageFs.Backends.Dir;

/// <summary>
/// What a <c>dir</c> pool supports: libvirt's <c>virStorageBackendDirectory</c> table
/// (src/storage/storage_backend_fs.c) — no start or stop; build (mkdir), delete (rmdir),
/// refresh, and every file-pool volume operation (<see cref="FilePoolCapabilities"/>); build
/// flags accepted but not distinguished. Building is a mkdir, so a transient pool is built
/// when created; the volumes are the target's entries, so its mtime tells when to re-list.
/// </summary>
public static class DirPoolCapabilities
{
    /// <summary>The record.</summary>
    public static PoolBackendCapabilities Value { get; } = FilePoolCapabilities.For(PoolType.Dir,
        PoolOperations.Check | PoolOperations.Build | PoolOperations.Delete,
        PoolBuildFlags.Overwrite | PoolBuildFlags.NoOverwrite,
        buildWhenCreated: true,
        listingFollowsTargetMtime: true);
}
