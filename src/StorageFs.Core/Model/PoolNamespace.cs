namespace StorageFs.Core.Model;

/// <summary>
/// The backend XML namespace a pool type accepts: <c>fs:mount_opts</c> for fs and netfs
/// (storage_backend_fs.c), <c>rbd:config_opts</c> for rbd (storage_backend_rbd.c).
/// </summary>
public enum PoolNamespace
{
    None,
    Fs,
    Rbd,
}
