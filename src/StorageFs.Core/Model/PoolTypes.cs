namespace StorageFs.Core.Model;

/// <summary>
/// The table of <see cref="PoolTypeInfo"/> rows, one per <see cref="PoolType"/>, mirroring
/// libvirt 9.0's <c>poolTypeInfo[]</c> (src/conf/storage_conf.c) and the namespaces the
/// fs and rbd backends register. Invariant: <c>All[(int)t].Type == t</c>.
/// </summary>
public static class PoolTypes
{
    private const PoolSourceParts Host = PoolSourceParts.Host;
    private const PoolSourceParts Device = PoolSourceParts.Device;
    private const PoolSourceParts Dir = PoolSourceParts.Dir;
    private const PoolSourceParts Name = PoolSourceParts.Name;
    private const PoolSourceParts Iqn = PoolSourceParts.InitiatorIqn;
    private const PoolSourceParts Net = PoolSourceParts.Network;

    /// <summary>Every pool type, indexed by <see cref="PoolType"/>.</summary>
    public static readonly IReadOnlyList<PoolTypeInfo> All =
    [
        new(PoolType.Dir, "dir", PoolSourceParts.None, [], null,
            StorageFormats.FileInput, "raw", PoolNamespace.None),
        new(PoolType.Fs, "fs", Device, StorageFormats.FsPool, "auto",
            StorageFormats.FileInput, "raw", PoolNamespace.Fs),
        new(PoolType.NetFs, "netfs", Host | Dir, StorageFormats.NetFsPool, "auto",
            StorageFormats.FileInput, "raw", PoolNamespace.Fs),
        new(PoolType.Logical, "logical", Name | Device, StorageFormats.LogicalPool, "lvm2",
            null, null, PoolNamespace.None),
        new(PoolType.Disk, "disk", Device, StorageFormats.DiskLabel, "unknown",
            StorageFormats.DiskPartition, "none", PoolNamespace.None),
        new(PoolType.Iscsi, "iscsi", Host | Device | Iqn, [], null,
            null, null, PoolNamespace.None),
        new(PoolType.IscsiDirect, "iscsi-direct", Host | Device | Net | Iqn, [], null,
            null, null, PoolNamespace.None),
        new(PoolType.Scsi, "scsi", PoolSourceParts.Adapter, [], null,
            null, null, PoolNamespace.None),
        new(PoolType.Mpath, "mpath", PoolSourceParts.None, [], null,
            null, null, PoolNamespace.None),
        new(PoolType.Rbd, "rbd", Host | Net | Name, [], null,
            StorageFormats.FileInput, "raw", PoolNamespace.Rbd),
        new(PoolType.Sheepdog, "sheepdog", Host | Net | Name, [], null,
            null, null, PoolNamespace.None),
        new(PoolType.Gluster, "gluster", Host | Net | Name | Dir, [], null,
            StorageFormats.FileInput, "raw", PoolNamespace.None),
        new(PoolType.Zfs, "zfs", Name | Device, [], null,
            null, null, PoolNamespace.None),
        new(PoolType.Vstorage, "vstorage", Name, [], null,
            StorageFormats.FileInput, "raw", PoolNamespace.None),
    ];

    /// <summary>The rules of <paramref name="type"/>.</summary>
    public static PoolTypeInfo Get(PoolType type) => All[(int)type];

    /// <summary>Looks a type up by its exact (case-sensitive) XML spelling, as libvirt does.</summary>
    public static bool TryParse(string? xmlName, out PoolType type)
    {
        foreach (var info in All)
        {
            if (string.Equals(info.XmlName, xmlName, StringComparison.Ordinal))
            {
                type = info.Type;
                return true;
            }
        }
        type = default;
        return false;
    }

    /// <summary>The XML spelling of <paramref name="type"/>.</summary>
    public static string ToXml(this PoolType type) => Get(type).XmlName;
}
