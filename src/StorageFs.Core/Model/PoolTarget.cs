namespace StorageFs.Core.Model;

/// <summary>
/// A pool's (or fspool's) <c>&lt;target&gt;</c>: the local path, sanitised like libvirt's
/// <c>virFileSanitizePath</c> (duplicate and trailing slashes removed), and permissions.
/// </summary>
public sealed class PoolTarget
{
    /// <summary>The target path; null only for network pools, which have no target.</summary>
    public string? Path { get; set; }

    /// <summary>Permissions of the target directory.</summary>
    public StoragePermissions Permissions { get; set; } = new();
}
