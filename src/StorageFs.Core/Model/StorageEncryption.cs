namespace StorageFs.Core.Model;

/// <summary>
/// A volume's <c>&lt;encryption&gt;</c> (<c>virStorageEncryption</c>,
/// src/conf/storage_encryption_conf.c). Invariant: <see cref="Ivgen"/> implies
/// <see cref="Cipher"/>; both are kept only for <see cref="EncryptionFormat.Luks"/>.
/// </summary>
public sealed class StorageEncryption
{
    /// <summary>Encryption format.</summary>
    public EncryptionFormat Format { get; set; }

    /// <summary>Engine, <see cref="EncryptionEngine.Default"/> when not given.</summary>
    public EncryptionEngine Engine { get; set; }

    /// <summary>Passphrase secrets.</summary>
    public List<EncryptionSecret> Secrets { get; } = [];

    /// <summary>LUKS cipher.</summary>
    public EncryptionCipher? Cipher { get; set; }

    /// <summary>LUKS IV generator.</summary>
    public EncryptionIvgen? Ivgen { get; set; }
}
