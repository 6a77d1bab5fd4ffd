using System.Diagnostics.CodeAnalysis;
using StorageFs.Core.Model;

namespace StorageFs.Core.Secrets;

/// <summary>
/// Where a backend gets the value of a secret a pool's XML names
/// (<c>&lt;auth&gt;&lt;secret uuid='…'|usage='…'/&gt;&lt;/auth&gt;</c>): libvirt's
/// <c>virSecretGetSecretString</c> (src/secret/secret_util.c) over its secret driver. A lookup
/// by usage matches <paramref name="usage"/>'s type and the usage id together; a lookup by UUID
/// finds any secret, and one of another usage type (other than none) is refused as libvirt
/// refuses it. Values are raw bytes (a CHAP password as its bytes; a cephx key as the bytes
/// that rbd's <c>key=</c> takes base64-encoded); the caller gets its own copy and may clear
/// it. Thread-safe. The daemon's store is <see cref="SecretDriver"/>; backends receive it
/// through their constructors, as they receive their logger.
/// </summary>
public interface ISecretStore
{
    /// <summary>The secret's value; false when no secret matches or it has no value yet.</summary>
    /// <exception cref="StorageException">InvalidArg: the secret found by UUID is of another
    /// usage type.</exception>
    bool TryGetValue(SecretLookup secret, SecretUsageType usage, [NotNullWhen(true)] out byte[]? value);

    /// <summary>The secret's value.</summary>
    /// <exception cref="StorageException">NoSecret (ENOKEY) "Secret not found: no secret with
    /// matching uuid 'U'" / "… usage 'N'" / "secret 'U' does not have a value"; InvalidArg for a
    /// usage type mismatch.</exception>
    byte[] GetValue(SecretLookup secret, SecretUsageType usage);
}
