namespace StorageFs.Core.Model;

/// <summary>
/// A volume's <c>&lt;backingStore&gt;</c>: path, format (the pool's default when not given)
/// and permissions. Invariant: <see cref="Path"/> non-empty.
/// </summary>
public sealed class VolumeBackingStore
{
    /// <summary>Path of the backing image.</summary>
    public required string Path { get; set; }

    /// <summary>Format of the backing image.</summary>
    public string? Format { get; set; }

    /// <summary>Permissions.</summary>
    public StoragePermissions Permissions { get; set; } = new();

    /// <summary>Times of the backing image as its refresh read them (output only, as libvirt's).</summary>
    public VolumeTimestamps? Timestamps { get; set; }
}
