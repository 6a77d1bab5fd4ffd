namespace StorageFs.Backends.Disk;

/// <summary>libvirt's partition types (<c>virStorageVolTypeDisk</c>): DOS tables have up to four
/// primary slots, one of which may be the extended partition holding logical ones.</summary>
public enum PartitionKind
{
    /// <summary>A primary partition (every partition of a GPT).</summary>
    Primary,

    /// <summary>A partition inside the extended one (number 5 and up).</summary>
    Logical,

    /// <summary>The container of logical partitions.</summary>
    Extended,
}
