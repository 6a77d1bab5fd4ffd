namespace StorageFs.Core.Model;

/// <summary>
/// <c>&lt;encryption format='…'&gt;</c> (<c>virStorageEncryptionFormat</c>,
/// storage_encryption_conf.c).
/// </summary>
public enum EncryptionFormat
{
    Default,
    Qcow,
    Luks,
    Luks2,
}
