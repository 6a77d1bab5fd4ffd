namespace StorageFs.Core.Model;

/// <summary>
/// Source formats of netfs pools, in libvirt's <c>virStoragePoolFormatFileSystemNet</c> order.
/// Invariant: <c>StorageFormats.NetFsPool[(int)f]</c> is the XML name of f.
/// </summary>
public enum NetFsPoolFormat
{
    Auto, Nfs, GlusterFs, Cifs,
}
