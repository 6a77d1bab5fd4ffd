using StorageFs.Core.Backend;
using StorageFs.Core.Model;

namespace StorageFs.Core.Driver;

/// <summary>Volumes stored as directories (dir and ploop volumes, an fs pool's lost+found):
/// which volumes are, and their directory opened for serving the files inside.</summary>
public sealed partial class StorageDriver
{
    /// <summary>Whether a volume of type <paramref name="type"/> is stored as a directory.</summary>
    public static bool IsDirectoryVolume(VolumeType type) => type is VolumeType.Dir or VolumeType.Ploop;

    /// <summary>
    /// Hands the name and type of each of a running pool's volumes (one being built included,
    /// unsorted) to <paramref name="add"/>, under the pool's lock: a listing's entries, without
    /// copying definitions or a list of them (a 10,000-entry list was a large-object allocation
    /// per <c>ls</c>). Returns the listing's version, read with them: a number that changes
    /// whenever the names or types listed may have, and is never given to another listing of
    /// any pool. When that version is still <paramref name="known"/> (a listing the caller
    /// holds; 0 for none), nothing is handed over.
    /// </summary>
    /// <exception cref="StorageException">NoStoragePool, or OperationInvalid for an inactive pool.</exception>
    public long ListVolumeTypes<TState>(string pool, TState state, Action<TState, string, VolumeType> add, long known = 0)
    {
        var entry = _pools.Get(pool);
        lock (entry.Gate)
        {
            _pools.RequireActive(entry);
            if (known != 0 && entry.ListingVersion == known)
                return known;
            foreach (var child in entry.Children.Values)
                add(state, child.Def.Name, child.Def.Type);
            return entry.ListingVersion;
        }
    }

    /// <summary>The type of a running pool's volume.</summary>
    /// <exception cref="StorageException">NoStoragePool, NoStorageVol, or OperationInvalid for an inactive pool.</exception>
    public VolumeType GetVolumeType(string pool, string volume)
    {
        var entry = _pools.Get(pool);
        lock (entry.Gate)
        {
            return _pools.RequireChild(entry, volume).Def.Type;
        }
    }

    /// <summary>
    /// Opens a volume stored as a directory through its backend
    /// (<see cref="IPoolBackend.OpenVolumeDirectory"/>), with a read lease like
    /// <see cref="OpenVolume"/>'s: the tree serves the files inside relative to this descriptor,
    /// read-only, and holds the lease for each call and each open file.
    /// </summary>
    /// <exception cref="StorageException">NoStorageVol; OperationInvalid while the volume is
    /// being built; NoSupport when the pool type has no directory volumes or this one is not a
    /// directory; the host's errno when the entry is gone or has become a link.</exception>
    public OpenedVolumeDirectory OpenVolumeDirectory(string pool, string volume)
    {
        var entry = _pools.Get(pool);
        PoolDefinition def;
        VolumeDefinition vol;
        ChildEntry<VolumeDefinition> child;
        IPoolBackend backend;
        lock (entry.Gate)
        {
            child = _pools.RequireChild(entry, volume);
            PoolLifecycle<PoolDefinition, VolumeDefinition>.RequireBuilt(child, volume);
            if (!IsDirectoryVolume(child.Def.Type))
            {
                throw StorageErrors.NoSupport($"volume '{volume}' is not stored as a directory");
            }
            backend = _backends.Get(entry.Def.Type);
            child.InUse++;
            child.Opens++;
            entry.Touch(volume);
            entry.AsyncJobs++;
            def = entry.Def;
            vol = child.Def;
        }
        try
        {
            _pools.RecheckTarget(def);
            var directory = backend.OpenVolumeDirectory(def, DefinitionCopy.Of(vol));
            return new OpenedVolumeDirectory(directory, () => EndVolumeOpen(entry, child, VolumeAccessMode.Read, null));
        }
        catch
        {
            EndVolumeOpen(entry, child, VolumeAccessMode.Read, null);
            throw;
        }
    }
}
