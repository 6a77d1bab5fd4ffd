namespace StorageFs.Core.Model;

/// <summary>
/// Kind of a scsi pool's <c>&lt;adapter&gt;</c> (<c>virStorageAdapterType</c>,
/// src/conf/storage_adapter_conf.c). <see cref="Default"/> means "no adapter given".
/// </summary>
public enum AdapterType
{
    Default,
    ScsiHost,
    FcHost,
}
