namespace StorageFs.Core.Model;

/// <summary>
/// A pool's <c>&lt;source&gt;</c> (<c>virStoragePoolSource</c>, storage_conf.c). Every part
/// is parsed for every type; only those the type uses (<see cref="PoolTypeInfo.Parts"/>)
/// are formatted, plus auth, protocol, vendor and product which are formatted whenever set.
/// </summary>
public sealed class PoolSource
{
    /// <summary>Hosts (netfs, iscsi, rbd, gluster, sheepdog, iscsi-direct).</summary>
    public List<PoolSourceHost> Hosts { get; } = [];

    /// <summary>Devices (fs, logical, disk, zfs; the target IQN for iscsi).</summary>
    public List<PoolSourceDevice> Devices { get; } = [];

    /// <summary>Directory on the server (netfs, gluster), sanitised.</summary>
    public string? Dir { get; set; }

    /// <summary>SCSI adapter (scsi pools).</summary>
    public StorageAdapter? Adapter { get; set; }

    /// <summary>Source name: volume group, ceph pool, gluster volume, zpool, cluster.</summary>
    public string? Name { get; set; }

    /// <summary>Source format, one of the type's <see cref="PoolTypeInfo.SourceFormats"/>.</summary>
    public string? Format { get; set; }

    /// <summary>Initiator IQN (iscsi, iscsi-direct).</summary>
    public string? InitiatorIqn { get; set; }

    /// <summary>Authentication (iscsi chap, rbd ceph).</summary>
    public StorageAuth? Auth { get; set; }

    /// <summary>NFS protocol version (<c>&lt;protocol ver&gt;</c>), netfs nfs/auto only.</summary>
    public string? ProtocolVersion { get; set; }

    /// <summary>Vendor name, informational.</summary>
    public string? Vendor { get; set; }

    /// <summary>Product name, informational.</summary>
    public string? Product { get; set; }
}
