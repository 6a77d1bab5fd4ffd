using StorageFs.Core.Backend;
using StorageFs.Core.Model;

namespace StorageFs.Fuzz;

/// <summary>
/// A dir-type backend that can only refresh, listing one volume "v" of 1 MiB: a pool of it
/// starts and shows v, and every volume operation is refused by the driver's capability check
/// ("storage pool does not support …", EOPNOTSUPP) after the command was parsed and looked up.
/// So commands to vol/v/ctl run as far as they can without ever changing anything.
/// </summary>
internal sealed class InertBackend : IPoolBackend
{
    public PoolBackendCapabilities Capabilities { get; } =
        new(PoolType.Dir, PoolOperations.Refresh, [], null, [], PoolBuildFlags.None, [], TargetIsDirectory: true);

    public PoolRefreshResult Refresh(PoolDefinition pool, CancellationToken cancellation)
    {
        var v = new VolumeDefinition { Name = "v", Key = "inert-v", Capacity = 1 << 20, Allocation = 1 << 20 };
        v.Target.Path = Path.Combine(pool.Target.Path ?? "/", "v");
        return new PoolRefreshResult(new PoolSizes(1 << 30, 1 << 20, (1 << 30) - (1 << 20)), [v], null, []);
    }
}
