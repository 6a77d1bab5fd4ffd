namespace StorageFs.Core.Backend;

/// <summary>
/// The operations an fspool backend implements (the callback table of the 2016 fspool series,
/// src/fs/fs_backend.h). As for storage pools, a missing start, stop or build is a no-op
/// success and anything else missing fails with <see cref="ErrorCode.NoSupport"/>.
/// </summary>
[Flags]
public enum FsPoolOperations
{
    None = 0,

    /// <summary>Tell whether the fspool is already usable (at load).</summary>
    Check = 1 << 0,

    /// <summary>Start the fspool.</summary>
    Start = 1 << 1,

    /// <summary>Stop the fspool.</summary>
    Stop = 1 << 2,

    /// <summary>Create the root directory.</summary>
    Build = 1 << 3,

    /// <summary>Remove the (empty) root directory.</summary>
    Delete = 1 << 4,

    /// <summary>Read sizes and the item list (every backend has it).</summary>
    Refresh = 1 << 5,

    /// <summary>Create an item.</summary>
    CreateItem = 1 << 6,

    /// <summary>Create an item as a copy of another.</summary>
    CloneItem = 1 << 7,

    /// <summary>Delete an item and everything in it.</summary>
    DeleteItem = 1 << 8,

    /// <summary>Re-read one item's sizes and permissions.</summary>
    RefreshItem = 1 << 9,

    /// <summary>List the items on the host cheaply (names only) and describe one found there
    /// without measuring it: what listings and lookups use to show items made or removed on the
    /// host at once.</summary>
    ListItems = 1 << 10,

    /// <summary>Open an item's directory as a descriptor for the tree to serve.</summary>
    OpenItem = 1 << 11,
}
