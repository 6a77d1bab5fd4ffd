namespace StorageFs.Core.Names;

/// <summary>What a name names, for <see cref="NameRules"/> messages.</summary>
public enum NameKind
{
    Pool,
    Volume,
    FsPool,
    FsItem,
}
