namespace StorageFs.Core.Model;

/// <summary>
/// The fourteen storage pool types libvirt's XML knows, in libvirt's enum order
/// (<c>virStoragePool</c> in src/conf/storage_conf.c). The XML spelling of each is in
/// <see cref="PoolTypes"/>; sheepdog parses and formats but has no backend in libvirt 9.0.
/// </summary>
public enum PoolType
{
    Dir,
    Fs,
    NetFs,
    Logical,
    Disk,
    Iscsi,
    IscsiDirect,
    Scsi,
    Mpath,
    Rbd,
    Sheepdog,
    Gluster,
    Zfs,
    Vstorage,
}
