namespace StorageFs.Core.Model;

/// <summary>
/// Source formats of logical pools, in libvirt's <c>virStoragePoolFormatLogical</c> order.
/// Invariant: <c>StorageFormats.LogicalPool[(int)f]</c> is the XML name of f.
/// </summary>
public enum LogicalPoolFormat
{
    Unknown, Lvm2,
}
