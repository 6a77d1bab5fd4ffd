namespace StorageFs.Core.Model;

/// <summary>
/// <c>&lt;permissions&gt;</c> of a pool target, volume target or backing store
/// (<c>virStoragePerms</c>, parsed by <c>virStorageDefParsePerms</c> in storage_conf.c).
/// Null means "not given": the element is formatted only when some field is set, and an
/// owner or group of -1 (or 4294967295) on input is "not given".
/// Invariant: <see cref="Mode"/> ≤ 0777.
/// An instance from <see cref="Shared"/> is read-only: setting any property throws.
/// </summary>
public sealed class StoragePermissions
{
    // Three values and which of them are set (every volume holds one of these: three nullable
    // uints took 8 bytes each).
    private uint _mode, _owner, _group;
    private byte _set;

    // In _set beside the three "set" bits: an instance of Shared, which nothing may change.
    private const byte ReadOnly = 0x80;

    // Recently shared instances, by a hash of their values; a miss replaces the slot, so the
    // table never grows whatever values a pool's files carry.
    private static readonly StoragePermissions?[] SharedSlots = new StoragePermissions?[64];

    /// <summary>
    /// Read-only permissions with every value set and no label, shared with other callers asking
    /// for the same values (a refresh describes each file volume with its owner, group and mode:
    /// a million volumes mostly carry a handful of these, where one each cost 40 MB).
    /// </summary>
    public static StoragePermissions Shared(uint mode, uint owner, uint group)
    {
        ref var slot = ref SharedSlots[(int)((uint)HashCode.Combine(mode, owner, group) % (uint)SharedSlots.Length)];
        var seen = Volatile.Read(ref slot);
        if (seen is not null && seen._mode == mode && seen._owner == owner && seen._group == group)
            return seen;
        var made = new StoragePermissions { Mode = mode, Owner = owner, Group = group };
        made._set |= ReadOnly;
        Volatile.Write(ref slot, made);
        return made;
    }

    /// <summary>True for an instance of <see cref="Shared"/>.</summary>
    public bool IsShared => (_set & ReadOnly) != 0;

    /// <summary>Permission bits, at most 0777.</summary>
    public uint? Mode { get => Get(_mode, 1); set => Set(ref _mode, 1, value); }

    /// <summary>Owner uid.</summary>
    public uint? Owner { get => Get(_owner, 2); set => Set(ref _owner, 2, value); }

    /// <summary>Group gid.</summary>
    public uint? Group { get => Get(_group, 4); set => Set(ref _group, 4, value); }

    /// <summary>Security label (SELinux context).</summary>
    public string? Label
    {
        get;
        set
        {
            ThrowIfShared();
            field = value;
        }
    }

    /// <summary>True when nothing is set, so no <c>&lt;permissions&gt;</c> is formatted.</summary>
    public bool IsEmpty => (_set & ~ReadOnly) == 0 && Label is null;

    private uint? Get(uint value, byte bit) => (_set & bit) != 0 ? value : null;

    private void Set(ref uint field, byte bit, uint? value)
    {
        ThrowIfShared();
        field = value ?? 0;
        _set = value is null ? (byte)(_set & ~bit) : (byte)(_set | bit);
    }

    private void ThrowIfShared()
    {
        if ((_set & ReadOnly) != 0)
            throw new InvalidOperationException("shared permissions are read-only: copy them to change them");
    }
}
