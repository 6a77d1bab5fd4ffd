namespace StorageFs.Core.Secrets;

/// <summary>
/// A secret's definition (<c>virSecretDef</c>, src/conf/secret_conf.h); the value is kept apart
/// by <see cref="SecretDriver"/>. Invariant: <see cref="UsageId"/> is non-null exactly when
/// <see cref="UsageType"/> is not <see cref="SecretUsageType.None"/>.
/// </summary>
public sealed record SecretDefinition
{
    /// <summary>The UUID (generated at parse when the document has none).</summary>
    public required Guid Uuid { get; init; }

    /// <summary><c>ephemeral='yes'</c>: kept in memory only, never written to disk.</summary>
    public bool Ephemeral { get; init; }

    /// <summary><c>private='yes'</c>: the value never leaves the daemon except to backends.</summary>
    public bool Private { get; init; }

    /// <summary>Free text, or null.</summary>
    public string? Description { get; init; }

    /// <summary>What the secret is for.</summary>
    public SecretUsageType UsageType { get; init; }

    /// <summary>The usage id: the volume path, the iSCSI target, or the ceph/tls/vtpm name.</summary>
    public string? UsageId { get; init; }

    /// <summary>"ceph NAME" as <c>virsh secret-list</c> prints the usage, or "" without one.</summary>
    public string UsageText => UsageType == SecretUsageType.None ? "" : $"{UsageType.ToXml()} {UsageId}";
}
