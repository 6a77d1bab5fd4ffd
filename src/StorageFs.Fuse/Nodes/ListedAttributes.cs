namespace StorageFs.Fuse.Nodes;

/// <summary>
/// What a listing's first READDIRPLUS reply carries for an entry that comes without its node
/// (<see cref="Node.ListsAttributes"/>). An entry without attributes goes by name only (node id
/// 0): the kernel asks LOOKUP when a reader needs more.
/// </summary>
public enum ListedAttributes
{
    /// <summary>Names only: for readers of names (<c>ls</c>, a glob), where making a node per name costs.</summary>
    NamesOnly,

    /// <summary>Attributes for the subdirectories only: a reader that descends (<c>find</c>, <c>du</c>,
    /// <c>ls -R</c>) then opens each without a LOOKUP first; the files go by name.</summary>
    Directories,

    /// <summary>Attributes for every entry (the default).</summary>
    All,
}
