namespace StorageFs.Core.Model;

/// <summary>
/// <c>&lt;auth type='…'&gt;</c> of a pool source (<c>virStorageAuthType</c>,
/// storage_source_conf.c). A pool's auth must not be <see cref="None"/>.
/// </summary>
public enum AuthType
{
    None,
    Chap,
    Ceph,
}
