namespace StorageFs.Core.Model;

/// <summary>
/// qcow2 <c>&lt;features&gt;</c> children (<c>virStorageFileFeature</c>,
/// storage_source_conf.c), formatted in this order.
/// </summary>
[Flags]
public enum VolumeFeatures
{
    None = 0,
    LazyRefcounts = 1 << 0,
    ExtendedL2 = 1 << 1,
}
