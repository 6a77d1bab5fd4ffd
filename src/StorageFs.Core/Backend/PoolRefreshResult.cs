using StorageFs.Core.Model;

namespace StorageFs.Core.Backend;

/// <summary>
/// What a pool refresh found: the pool's numbers, every volume (with key, path, sizes, format
/// and permissions filled in), the target's actual permissions (libvirt's refresh reads them
/// with fstat), and problems that did not stop the refresh (an unreadable or unprobeable
/// entry): a non-empty list marks the pool degraded.
/// </summary>
public sealed record PoolRefreshResult(
    PoolSizes Sizes,
    IReadOnlyList<VolumeDefinition> Volumes,
    StoragePermissions? TargetPermissions,
    IReadOnlyList<string> Problems);
