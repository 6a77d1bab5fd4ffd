namespace StorageFs.Core.Model;

/// <summary>
/// A <c>&lt;source&gt;&lt;device path='…' part_separator='…'&gt;</c>
/// (<c>virStoragePoolSourceDevice</c>). <see cref="FreeExtents"/> is output only.
/// </summary>
public sealed class PoolSourceDevice
{
    /// <summary>Device path (or target IQN for iscsi pools), never sanitised.</summary>
    public required string Path { get; set; }

    /// <summary>Whether partition names get a "p" separator (disk pools).</summary>
    public TristateBool PartSeparator { get; set; }

    /// <summary>Free regions found by a refresh; formatted, never parsed.</summary>
    public List<FreeExtent> FreeExtents { get; } = [];
}
