namespace StorageFs.Core.Model;

/// <summary>
/// What every pool of objects has, a storage pool (<see cref="PoolDefinition"/>) and an fspool
/// (<see cref="FsPoolDefinition"/>) alike: a name, a UUID, a target directory with its
/// permissions, and the sizes a refresh reads (output only). The driver's lifecycle works on
/// this part; the source and the type stay with each kind (docs/ARCHITECTURE.md, "Pools and fspools").
/// </summary>
public abstract class PoolDefinitionBase
{
    /// <summary>The pool's name.</summary>
    public string Name { get; set; } = "";

    /// <summary>The pool's UUID (generated when the document has none).</summary>
    public Guid Uuid { get; set; }

    /// <summary>Capacity in bytes (output only).</summary>
    public ulong Capacity { get; set; }

    /// <summary>Allocation in bytes (output only).</summary>
    public ulong Allocation { get; set; }

    /// <summary>Available bytes (output only).</summary>
    public ulong Available { get; set; }

    /// <summary>The target: its path and permissions (unused by network pools).</summary>
    public PoolTarget Target { get; set; } = new();

    /// <summary>Sets the sizes shown (capacity, allocation, available) to <paramref name="other"/>'s.</summary>
    public void CopySizesFrom(PoolDefinitionBase other)
    {
        ArgumentNullException.ThrowIfNull(other);
        Capacity = other.Capacity;
        Allocation = other.Allocation;
        Available = other.Available;
    }
}
