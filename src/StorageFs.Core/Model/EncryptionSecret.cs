namespace StorageFs.Core.Model;

/// <summary>
/// <c>&lt;encryption&gt;&lt;secret type='passphrase' uuid|usage/&gt;</c>
/// (<c>virStorageEncryptionSecret</c>); the only secret type libvirt knows is passphrase.
/// </summary>
public sealed record EncryptionSecret(SecretLookup Lookup);
