namespace StorageFs.Core.Secrets;

/// <summary>What changed in the secret store (libvirt's <c>virSecretEventLifecycleType</c> plus
/// <c>VALUE_CHANGED</c>).</summary>
public enum SecretEventKind
{
    /// <summary>Defined or redefined.</summary>
    Defined,
    /// <summary>Undefined.</summary>
    Undefined,
    /// <summary>Its value was set.</summary>
    ValueChanged,
}
