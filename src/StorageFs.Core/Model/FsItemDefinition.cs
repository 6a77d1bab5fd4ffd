namespace StorageFs.Core.Model;

/// <summary>
/// An item of an fspool, <c>&lt;fsitem&gt;</c> (the series' <c>&lt;item&gt;</c>,
/// <c>virFSItemDef</c> in fs_conf.c, is accepted on input): a subdirectory of the pool's root.
/// StorageFs formats its target path (when known) and <c>&lt;format type='dir'/&gt;</c>, which
/// the series left out. Invariant: name non-empty; allocation equals capacity when not given.
/// The key is the path; the capacity the one asked for when the item was made (kept with the
/// item across restarts), at least the allocation.
/// </summary>
public sealed class FsItemDefinition : PoolChildDefinition
{
    /// <summary>Whether the capacity is enforced, as one sentence ("enforced: …" or
    /// "not enforced: why"), as the backend found it; not part of the XML. Null when unknown.</summary>
    public string? Enforcement { get; set; }

    /// <summary>Path of the item's directory, when known.</summary>
    public string? Path { get; set; }

    /// <summary>Permissions of the item's directory.</summary>
    public StoragePermissions Permissions { get; set; } = new();
}
