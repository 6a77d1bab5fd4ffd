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
    /// <summary>Permission bits, at most 0777.</summary>
    public uint? Mode { get; set; }

    /// <summary>Owner uid.</summary>
    public uint? Owner { get; set; }

    /// <summary>Group gid.</summary>
    public uint? Group { get; set; }

    /// <summary>Security label (SELinux context).</summary>
    public string? Label { get; set; }

    /// <summary>True when nothing is set, so no <c>&lt;permissions&gt;</c> is formatted.</summary>
    public bool IsEmpty => Mode is null && Owner is null && Group is null && Label is null;
}
