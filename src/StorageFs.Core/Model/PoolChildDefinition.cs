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

    /// <summary>What a listing of the pool shows of this child besides its name (a volume's
    /// type: a directory or a file); a refresh that changes it changes the listing.</summary>
    protected internal virtual int ListedKind => 0;

    // The key, or with _keyDir set the last component of a key that is the path
    // _keyDir/_key (a file volume's: the pool's directory string is shared by all its volumes
    // and the name is Name, so a volume holds no path string of its own).
    private string? _key;
    private string? _keyDir;

    /// <summary>The backend's key (a volume's or item's identity across pools); null until the backend sets it.</summary>
    public string? Key
    {
        get => _keyDir is null ? _key : System.IO.Path.Combine(_keyDir, _key!);
        set
        {
            _key = value;
            _keyDir = null;
        }
    }

    /// <summary>Sets <see cref="Key"/> to the path of <paramref name="name"/> in
    /// <paramref name="directory"/> without holding that path as a string of its own.</summary>
    public void SetKeyIn(string directory, string name)
    {
        _key = name;
        _keyDir = directory;
    }

    /// <summary>Whether <see cref="Key"/> is <paramref name="key"/>, without making the key
    /// string when it is kept in parts (lookups by key compare every volume).</summary>
    public bool KeyIs(string? key) => _keyDir is null ? _key == key : Parts.Equal(_keyDir, _key!, key);

    /// <summary>Takes <paramref name="other"/>'s key as it is held (a path kept in parts stays so).</summary>
    public void CopyKeyFrom(PoolChildDefinition other)
    {
        ArgumentNullException.ThrowIfNull(other);
        _key = other._key;
        _keyDir = other._keyDir;
    }

    /// <summary>Capacity in bytes.</summary>
    public ulong Capacity { get; set; }

    /// <summary>Allocation in bytes.</summary>
    public ulong Allocation { get; set; }
}
