using StorageFs.Core.Model;

namespace StorageFs.Core.Backend;

/// <summary>
/// One fspool type's implementation (the fspool series' <c>virFSBackend</c>,
/// src/fs/fs_backend.h), called like <see cref="IPoolBackend"/>: without locks, only for
/// listed operations; start, stop and build default to no-op successes, the rest to NoSupport.
/// </summary>
public interface IFsPoolBackend
{
    /// <summary>What this backend supports.</summary>
    FsPoolBackendCapabilities Capabilities { get; }

    /// <summary>True when the fspool is already usable without a start.</summary>
    bool CheckActive(FsPoolDefinition pool) => false;

    /// <summary>Start the fspool.</summary>
    void Start(FsPoolDefinition pool, CancellationToken cancellation)
    {
    }

    /// <summary>Stop the fspool.</summary>
    void Stop(FsPoolDefinition pool)
    {
    }

    /// <summary>Create the root directory.</summary>
    void Build(FsPoolDefinition pool, PoolBuildFlags flags, IOperationProgress progress, CancellationToken cancellation)
    {
    }

    /// <summary>Remove the root directory.</summary>
    void Delete(FsPoolDefinition pool) =>
        throw StorageErrors.NoSupport("fspool does not support fspool deletion");

    /// <summary>Sizes and the full item list.</summary>
    FsPoolRefreshResult Refresh(FsPoolDefinition pool, CancellationToken cancellation);

    /// <summary>Create <paramref name="item"/> and fill in its key and path.</summary>
    void CreateItem(FsPoolDefinition pool, FsItemDefinition item) =>
        throw StorageErrors.NoSupport("fspool does not support item creation");

    /// <summary>Create <paramref name="item"/> as a copy of <paramref name="source"/>.</summary>
    void CloneItem(FsPoolDefinition pool, FsItemDefinition item, FsPoolDefinition sourcePool,
        FsItemDefinition source, IOperationProgress progress, CancellationToken cancellation) =>
        throw StorageErrors.NoSupport("fspool does not support item creation from an existing item");

    /// <summary>Delete an item and everything below it, never following a symlink out of it;
    /// progress counts entries (files, links, directories, the item itself), the total first.</summary>
    void DeleteItem(FsPoolDefinition pool, FsItemDefinition item, IOperationProgress progress, CancellationToken cancellation) =>
        throw StorageErrors.NoSupport("fspool does not support item deletion");

    /// <summary>Re-read one item's sizes and permissions, in place.</summary>
    void RefreshItem(FsPoolDefinition pool, FsItemDefinition item)
    {
    }
}
