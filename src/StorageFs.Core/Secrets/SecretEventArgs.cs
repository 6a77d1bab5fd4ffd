namespace StorageFs.Core.Secrets;

/// <summary>A change in the secret store, raised after it is made and with no lock held.</summary>
/// <param name="Uuid">The secret.</param>
/// <param name="Kind">What changed.</param>
public sealed record SecretEventArgs(Guid Uuid, SecretEventKind Kind);
