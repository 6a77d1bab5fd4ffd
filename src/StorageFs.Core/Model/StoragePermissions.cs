namespace StorageFs.Core.Model;

/// <summary>
/// <c>&lt;permissions&gt;</c> of a pool target, volume target or backing store
/// (<c>virStoragePerms</c>, parsed by <c>virStorageDefParsePerms</c> in storage_conf.c).
/// Null means "not given": the element is formatted only when some field is set, and an
/// owner or group of -1 (or 4294967295) on input is "not given".
/// Invariant: <see cref="Mode"/> ≤ 0777.
/// </summary>
public sealed class StoragePermissions
{
    // Three values and which of them are set (every volume holds one of these: three nullable
    // uints took 8 bytes each).
    private uint _mode, _owner, _group;
    private byte _set;

    /// <summary>Permission bits, at most 0777.</summary>
    public uint? Mode { get => Get(_mode, 1); set => Set(ref _mode, 1, value); }

    /// <summary>Owner uid.</summary>
    public uint? Owner { get => Get(_owner, 2); set => Set(ref _owner, 2, value); }

    /// <summary>Group gid.</summary>
    public uint? Group { get => Get(_group, 4); set => Set(ref _group, 4, value); }

    /// <summary>Security label (SELinux context).</summary>
    public string? Label { get; set; }

    /// <summary>True when nothing is set, so no <c>&lt;permissions&gt;</c> is formatted.</summary>
    public bool IsEmpty => _set == 0 && Label is null;

    private uint? Get(uint value, byte bit) => (_set & bit) != 0 ? value : null;

    private void Set(ref uint field, byte bit, uint? value)
    {
        field = value ?? 0;
        _set = value is null ? (byte)(_set & ~bit) : (byte)(_set | bit);
    }
}
