namespace StorageFs.Core.Model;

/// <summary>
/// Source formats of fs pools, in libvirt's <c>virStoragePoolFormatFileSystem</c> order, then
/// StorageFs's own additions (btrfs: libvirt 9.0 has none, this kernel builds and mounts it).
/// Invariant: <c>StorageFormats.FsPool[(int)f]</c> is the XML name of f.
/// </summary>
public enum FsPoolFormat
{
    Auto, Ext2, Ext3, Ext4, Ufs, Iso9660, Udf, Gfs, Gfs2, Vfat, HfsPlus, Xfs, Ocfs2, Vmfs, Btrfs,
}
