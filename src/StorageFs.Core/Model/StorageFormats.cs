namespace StorageFs.Core.Model;

/// <summary>
/// The format name tables of libvirt's storage XML, each in libvirt's enum order so that an
/// index here is libvirt's enum value: <c>virStorageFileFormat</c> (storage_source_conf.c) and
/// <c>virStoragePoolFormat*</c> / <c>virStorageVolFormatDisk</c> (storage_conf.c).
/// </summary>
public static class StorageFormats
{
    /// <summary>Volume file formats of dir, fs, netfs, gluster, vstorage and rbd pools.
    /// Index 0, <c>none</c>, formats but is refused on input.</summary>
    public static readonly IReadOnlyList<string> File =
    [
        "none", "raw", "dir", "bochs", "cloop", "dmg", "iso", "vpc", "vdi",
        "fat", "vhd", "ploop", "cow", "qcow", "qcow2", "qed", "vmdk",
    ];

    /// <summary>Partition types, the volume formats of disk pools.</summary>
    public static readonly IReadOnlyList<string> DiskPartition =
    [
        "none", "linux", "fat16", "fat32", "linux-swap", "linux-lvm", "linux-raid", "extended",
    ];

    /// <summary>Source formats of fs pools (file system types).</summary>
    public static readonly IReadOnlyList<string> FsPool =
    [
        "auto", "ext2", "ext3", "ext4", "ufs", "iso9660", "udf", "gfs", "gfs2", "vfat",
        "hfs+", "xfs", "ocfs2", "vmfs",
    ];

    /// <summary>Source formats of netfs pools (network file system types).</summary>
    public static readonly IReadOnlyList<string> NetFsPool = ["auto", "nfs", "glusterfs", "cifs"];

    /// <summary>Source formats of disk pools (partition table labels).</summary>
    public static readonly IReadOnlyList<string> DiskLabel =
    [
        "unknown", "dos", "dvh", "gpt", "mac", "bsd", "pc98", "sun", "lvm2",
    ];

    /// <summary>Source formats of logical pools.</summary>
    public static readonly IReadOnlyList<string> LogicalPool = ["unknown", "lvm2"];

    /// <summary>File formats accepted on input: all of <see cref="File"/> but <c>none</c>
    /// (libvirt's <c>virStorageVolumeFormatFromString</c>).</summary>
    public static readonly IReadOnlyList<string> FileInput = [.. File.Skip(1)];
}
