using StorageFs.Core.Model;

namespace StorageFs.Backends.HostTools;

/// <summary>
/// Where the values of the secrets pool XML refers to (<c>&lt;auth&gt;&lt;secret uuid|usage/&gt;</c>)
/// come from: libvirt keeps them in its secret driver; StorageFs has none in Core, so backends
/// that need one (iscsi and iscsi-direct CHAP) ask a store handed to them.
/// </summary>
public interface ISecretStore
{
    /// <summary>The secret's value, or null when the store has no such secret.</summary>
    string? Find(SecretLookup lookup);
}
