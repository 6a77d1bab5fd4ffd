using StorageFs.Core.Backend;

namespace StorageFs.Core.Tests.Driver;

/// <summary>A minimal dir fspool backend for driver tests (items are subdirectories); the
/// production one is tested in Backends.Tests.</summary>
internal sealed class TestFsBackend : IFsPoolBackend
{
    public FsPoolBackendCapabilities Capabilities { get; } = new(
        FsPoolType.Dir,
        FsPoolOperations.Build | FsPoolOperations.Delete | FsPoolOperations.Refresh |
        FsPoolOperations.CreateItem | FsPoolOperations.DeleteItem,
        PoolBuildFlags.None);

    public void Build(FsPoolDefinition pool, PoolBuildFlags flags, IOperationProgress progress, CancellationToken cancellation) =>
        Directory.CreateDirectory(pool.Target.Path!);

    public void Delete(FsPoolDefinition pool) => Directory.Delete(pool.Target.Path!);

    public FsPoolRefreshResult Refresh(FsPoolDefinition pool, CancellationToken cancellation)
    {
        if (!Directory.Exists(pool.Target.Path))
        {
            throw StorageErrors.System(2, $"cannot open directory '{pool.Target.Path}'");
        }
        var items = Directory.EnumerateDirectories(pool.Target.Path!)
            .Select(d => new FsItemDefinition { Name = Path.GetFileName(d), Key = d, Path = d })
            .ToList();
        return new FsPoolRefreshResult(new PoolSizes(1 << 30, 0, 1 << 30), items, null, []);
    }

    public void CreateItem(FsPoolDefinition pool, FsItemDefinition item)
    {
        item.Path = Path.Combine(pool.Target.Path!, item.Name);
        item.Key = item.Path;
        Directory.CreateDirectory(item.Path);
    }

    public void DeleteItem(FsPoolDefinition pool, FsItemDefinition item, IOperationProgress progress, CancellationToken cancellation) =>
        Directory.Delete(item.Path!, recursive: true);
}
