using StorageFs.Core.Model;

namespace StorageFs.Core.Backend;

/// <summary>
/// The lifecycle every pool of objects has, storage pools (<see cref="IPoolBackend"/>) and
/// fspools (<see cref="IFsPoolBackend"/>) alike: libvirt's <c>checkPool</c>, <c>startPool</c>,
/// <c>stopPool</c>, <c>buildPool</c> and <c>deletePool</c> slots (src/storage/storage_backend.h).
/// The driver calls them without holding any lock and only when the backend's capabilities
/// list them; the defaults are libvirt's empty slots (start, stop and build succeed doing
/// nothing, delete fails with NoSupport).
/// </summary>
public interface IPoolLifecycleBackend<in TDef>
    where TDef : PoolDefinitionBase
{
    /// <summary><c>checkPool</c>: true when the pool is already usable without a start
    /// (a dir pool whose directory exists, a mounted fs pool).</summary>
    bool CheckActive(TDef pool) => false;

    /// <summary><c>startPool</c>: mount, log in, activate.</summary>
    void Start(TDef pool, CancellationToken cancellation)
    {
    }

    /// <summary><c>stopPool</c>: unmount, log out, deactivate.</summary>
    void Stop(TDef pool)
    {
    }

    /// <summary><c>buildPool</c>, with flags the driver has checked against the capabilities'
    /// build flags: create the target, format the device.</summary>
    void Build(TDef pool, PoolBuildFlags flags, IOperationProgress progress, CancellationToken cancellation)
    {
    }

    /// <summary><c>deletePool</c>: remove what build made.</summary>
    void Delete(TDef pool) =>
        throw StorageErrors.NoSupport("this pool type does not support deletion");
}
