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

    /// <summary>Source formats of fs pools (file system types): libvirt 9.0's, then btrfs, which
    /// StorageFs adds (build runs <c>mkfs -t btrfs -f</c>, start mounts it like any other).</summary>
    public static readonly IReadOnlyList<string> FsPool =
    [
        "auto", "ext2", "ext3", "ext4", "ufs", "iso9660", "udf", "gfs", "gfs2", "vfat",
        "hfs+", "xfs", "ocfs2", "vmfs", "btrfs",
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

    /// <summary>The XML name of a file format.</summary>
    public static string ToXml(this VolumeFileFormat format) => File[(int)format];

    /// <summary>The XML name of a partition type.</summary>
    public static string ToXml(this DiskPartitionType type) => DiskPartition[(int)type];

    /// <summary>The XML name of an fs pool format.</summary>
    public static string ToXml(this FsPoolFormat format) => FsPool[(int)format];

    /// <summary>The XML name of a netfs pool format.</summary>
    public static string ToXml(this NetFsPoolFormat format) => NetFsPool[(int)format];

    /// <summary>The XML name of a disk label format.</summary>
    public static string ToXml(this DiskLabelFormat format) => DiskLabel[(int)format];

    /// <summary>The XML name of a logical pool format.</summary>
    public static string ToXml(this LogicalPoolFormat format) => LogicalPool[(int)format];

    /// <summary>Looks a format up by its exact XML name in one of the tables above.</summary>
    public static bool TryParse<TEnum>(IReadOnlyList<string> table, string? name, out TEnum value)
        where TEnum : struct, Enum
    {
        for (int i = 0; i < table.Count; i++)
        {
            if (table[i] == name)
            {
                value = (TEnum)Enum.ToObject(typeof(TEnum), i);
                return true;
            }
        }
        value = default;
        return false;
    }
}
