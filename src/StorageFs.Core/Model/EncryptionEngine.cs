namespace StorageFs.Core.Model;

/// <summary>
/// <c>&lt;encryption engine='…'&gt;</c> (<c>virStorageEncryptionEngine</c>);
/// <see cref="Default"/> is not formatted and not accepted on input.
/// </summary>
public enum EncryptionEngine
{
    Default,
    Qemu,
    Librbd,
}
