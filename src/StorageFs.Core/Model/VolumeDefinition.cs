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

    // Extents and the backing store, which few volumes have, in one object made at first use
    // (a file volume has neither: an empty list each was 31 MiB a million volumes, and the two
    // fields 8 bytes each).
    private Rare? _rare;

    /// <summary>Extents on devices (output only).</summary>
    public List<VolumeExtent> Extents => (_rare ??= new()).Extents ??= [];

    /// <summary>True when <see cref="Extents"/> has any (without making the list).</summary>
    public bool HasExtents => _rare?.Extents is { Count: > 0 };

    /// <summary>True when the document gave an allocation (else it defaulted to capacity).</summary>
    public bool HasAllocation { get; set; }

    /// <summary>Physical size in bytes (output only, formatted when non-zero).</summary>
    public ulong Physical { get; set; }

    /// <summary>The target.</summary>
    public VolumeTarget Target { get; set; } = new();

    /// <summary>The backing store, if any.</summary>
    public VolumeBackingStore? BackingStore
    {
        get => _rare?.BackingStore;
        set
        {
            if (value is not null || _rare is not null)
                (_rare ??= new()).BackingStore = value;
        }
    }

    private sealed class Rare
    {
        public List<VolumeExtent>? Extents;
        public VolumeBackingStore? BackingStore;
    }
}
