using StorageFs.Core.Model;

namespace StorageFs.Core.Backend;

/// <summary>
/// What an fspool refresh found: the pool's numbers, every item, the root's actual permissions,
/// and problems that did not stop the refresh (they mark the fspool degraded).
/// </summary>
public sealed record FsPoolRefreshResult(
    PoolSizes Sizes,
    IReadOnlyList<FsItemDefinition> Items,
    StoragePermissions? TargetPermissions,
    IReadOnlyList<string> Problems);
