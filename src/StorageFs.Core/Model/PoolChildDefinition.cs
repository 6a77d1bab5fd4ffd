namespace StorageFs.Core.Model;

/// <summary>
/// What every object of a pool has, a volume (<see cref="VolumeDefinition"/>) and an item
/// (<see cref="FsItemDefinition"/>) alike: a name unique in its pool, the backend's key, and
/// its capacity and allocation in bytes.
/// </summary>
public abstract class PoolChildDefinition
{
    /// <summary>The name, unique within its pool.</summary>
    public string Name { get; set; } = "";

    /// <summary>The backend's key (a volume's or item's identity across pools); null until the backend sets it.</summary>
    public string? Key { get; set; }

    /// <summary>Capacity in bytes.</summary>
    public ulong Capacity { get; set; }

    /// <summary>Allocation in bytes.</summary>
    public ulong Allocation { get; set; }
}
