namespace StorageFs.Core.Model;

/// <summary>
/// A storage volume definition, <c>&lt;volume&gt;</c> (<c>virStorageVolDef</c>,
/// src/conf/storage_conf.c), always read in the context of its pool's type.
/// Invariants after <c>VolumeXml.Parse</c>: <see cref="Name"/> non-empty; sizes ≤ 2^63−1;
/// allocation equals capacity when none was given. Key, extents, physical and timestamps
/// are set by refreshes. The key is the path for file pools.
/// </summary>
public sealed class VolumeDefinition : PoolChildDefinition
{
    /// <summary>Volume type.</summary>
    public VolumeType Type { get; set; }

    protected internal override int ListedKind => (int)Type;

    // Made at first use: a file volume has none (a million volumes, 31 MiB of empty lists).
    private List<VolumeExtent>? _extents;

    /// <summary>Extents on devices (output only).</summary>
    public List<VolumeExtent> Extents => _extents ??= [];

    /// <summary>True when <see cref="Extents"/> has any (without making the list).</summary>
    public bool HasExtents => _extents is { Count: > 0 };

    /// <summary>True when the document gave an allocation (else it defaulted to capacity).</summary>
    public bool HasAllocation { get; set; }

    /// <summary>Physical size in bytes (output only, formatted when non-zero).</summary>
    public ulong Physical { get; set; }

    /// <summary>The target.</summary>
    public VolumeTarget Target { get; set; } = new();

    /// <summary>The backing store, if any.</summary>
    public VolumeBackingStore? BackingStore { get; set; }
}
