namespace StorageFs.Core.Model;

/// <summary>
/// A volume's <c>&lt;target&gt;</c> (the target half of libvirt's <c>virStorageSource</c>
/// as used by <c>virStorageVolDefParseXML</c>/<c>virStorageVolTargetDefFormat</c>).
/// <see cref="NoCow"/> is read but, as in libvirt, never formatted; timestamps are output only.
/// </summary>
public sealed class VolumeTarget
{
    // The path, or with _pathDir set its last component in that directory (see SetPathIn).
    private string? _path;
    private string? _pathDir;

    /// <summary>Path (not sanitised; may be a URL for network volumes).</summary>
    public string? Path
    {
        get => _pathDir is null ? _path : System.IO.Path.Combine(_pathDir, _path!);
        set
        {
            _path = value;
            _pathDir = null;
        }
    }

    /// <summary>
    /// Sets <see cref="Path"/> to <paramref name="name"/> in <paramref name="directory"/>
    /// (<c>Path.Combine</c>), kept as the two strings, which the caller shares (the pool's
    /// directory, the volume's name): a million file volumes hold no million path strings.
    /// </summary>
    public void SetPathIn(string directory, string name)
    {
        _path = name;
        _pathDir = directory;
    }

    /// <summary>Whether <see cref="Path"/> is <paramref name="path"/>, without making the path
    /// string when it is kept in parts (lookups by path compare every volume).</summary>
    public bool PathIs(string? path) => _pathDir is null ? _path == path : Parts.Equal(_pathDir, _path!, path);

    /// <summary>Takes <paramref name="other"/>'s path as it is held (in parts stays in parts).</summary>
    public void CopyPathFrom(VolumeTarget other)
    {
        ArgumentNullException.ThrowIfNull(other);
        _path = other._path;
        _pathDir = other._pathDir;
    }

    /// <summary>Format, one of the pool type's volume formats; null for types without.</summary>
    public string? Format { get; set; }

    /// <summary>Permissions.</summary>
    public StoragePermissions Permissions { get; set; } = new();

    // The times inline: an object of their own cost every file volume 24 bytes more.
    private VolumeTimestamps.Packed _times = VolumeTimestamps.Packed.Absent;

    /// <summary>File times (output only). Held as values: a read returns a new object, a set
    /// takes the values of the one given (changing that object later changes nothing here).</summary>
    public VolumeTimestamps? Timestamps
    {
        get => VolumeTimestamps.Unpack(_times);
        set => _times = VolumeTimestamps.Pack(value);
    }

    // What few volumes have (encryption; qcow2's compat, features and cluster size; nocow), in
    // one object made at the first set of a value: a million file volumes hold one field for
    // them, not five (VolumeTarget 96 → 64 bytes). Setting a default when there is none makes
    // nothing.
    private Rare? _rare;

    private Rare Rarely => _rare ??= new();

    /// <summary>Encryption.</summary>
    public StorageEncryption? Encryption
    {
        get => _rare?.Encryption;
        set
        {
            if (value is not null || _rare is not null)
                Rarely.Encryption = value;
        }
    }

    /// <summary>qcow2 compatibility level "N.M"; "1.1" when features are given.</summary>
    public string? Compat
    {
        get => _rare?.Compat;
        set
        {
            if (value is not null || _rare is not null)
                Rarely.Compat = value;
        }
    }

    /// <summary>Set the btrfs NOCOW attribute before allocation.</summary>
    public bool NoCow
    {
        get => _rare?.NoCow ?? false;
        set
        {
            if (value || _rare is not null)
                Rarely.NoCow = value;
        }
    }

    /// <summary>Cluster size in bytes, 0 when not given.</summary>
    public ulong ClusterSize
    {
        get => _rare?.ClusterSize ?? 0;
        set
        {
            if (value != 0 || _rare is not null)
                Rarely.ClusterSize = value;
        }
    }

    /// <summary>qcow2 features; null when there is no <c>&lt;features&gt;</c> element.</summary>
    public VolumeFeatures? Features
    {
        get => _rare?.Features;
        set
        {
            if (value is not null || _rare is not null)
                Rarely.Features = value;
        }
    }

    private sealed class Rare
    {
        public StorageEncryption? Encryption;
        public string? Compat;
        public bool NoCow;
        public ulong ClusterSize;
        public VolumeFeatures? Features;
    }
}
