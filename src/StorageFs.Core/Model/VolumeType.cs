namespace StorageFs.Core.Model;

/// <summary>
/// <c>&lt;volume type='…'&gt;</c> (<c>virStorageVolType</c>, storage_conf.c): set by a
/// refresh, accepted on input for tests; <see cref="File"/> when not given.
/// </summary>
public enum VolumeType
{
    File,
    Block,
    Dir,
    Network,
    NetDir,
    Ploop,
}
