using Microsoft.Win32.SafeHandles;
using StorageFs.Core.Model;

namespace StorageFs.Core.Backend;

/// <summary>
/// One fspool type's implementation (the fspool series' <c>virFSBackend</c>,
/// src/fs/fs_backend.h), called like <see cref="IPoolBackend"/>: without locks, only for
/// listed operations; start, stop and build default to no-op successes, the rest to NoSupport.
/// </summary>
public interface IFsPoolBackend : IPoolLifecycleBackend<FsPoolDefinition>
{
    /// <summary>What this backend supports.</summary>
    FsPoolBackendCapabilities Capabilities { get; }

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

    /// <summary>The names of the items on the host now, read cheaply (one directory listing,
    /// nothing measured), in no particular order.</summary>
    IReadOnlyList<string> ListItemNames(FsPoolDefinition pool) =>
        throw StorageErrors.NoSupport("fspool does not support listing items");

    /// <summary>The item <paramref name="name"/> as the host has it now (path, permissions,
    /// capacity; its allocation is measured later, by <see cref="RefreshItem"/>), or null when
    /// the pool holds no such item.</summary>
    FsItemDefinition? FindItem(FsPoolDefinition pool, string name) => null;

    /// <summary>
    /// The item's directory itself as an O_PATH descriptor (owned by the caller), opened beneath
    /// a descriptor of the pool's directory without following any symbolic link, so whoever
    /// serves the item acts relative to exactly this directory. Fails with the errno of the
    /// open (ENOENT when the item is gone from the host).
    /// </summary>
    SafeFileHandle OpenItem(FsPoolDefinition pool, FsItemDefinition item) =>
        throw StorageErrors.NoSupport("fspool does not support opening items");
}
