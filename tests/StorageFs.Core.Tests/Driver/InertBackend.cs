using StorageFs.Core.Backend;

namespace StorageFs.Core.Tests.Driver;

/// <summary>
/// A backend with nothing but a refresh (returning one volume "v"), for types whose real
/// backends do not exist yet: lets the driver define and start such pools so the duplicate
/// rules and libvirt's empty-slot semantics ("storage pool does not support …") can be tested.
/// </summary>
internal sealed class InertBackend : IPoolBackend
{
    public InertBackend(PoolType type, bool targetIsDirectory = false)
    {
        Capabilities = new(type, PoolOperations.Refresh, [], null, [], PoolBuildFlags.None, [], targetIsDirectory);
    }

    public PoolBackendCapabilities Capabilities { get; }

    public PoolRefreshResult Refresh(PoolDefinition pool, CancellationToken cancellation)
    {
        var v = new VolumeDefinition { Name = "v", Key = "inert-v", Capacity = 1024, Allocation = 1024 };
        v.Target.Path = "/nonexistent/v";
        return new PoolRefreshResult(new PoolSizes(4096, 1024, 3072), [v], null, []);
    }
}
