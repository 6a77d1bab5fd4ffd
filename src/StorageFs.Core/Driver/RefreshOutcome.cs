using StorageFs.Core.Backend;
using StorageFs.Core.Model;

namespace StorageFs.Core.Driver;

/// <summary>A refresh result of either pool kind.</summary>
internal sealed record RefreshOutcome<TChild>(
    PoolSizes Sizes,
    IReadOnlyList<TChild> Children,
    StoragePermissions? TargetPermissions,
    IReadOnlyList<string> Problems);
