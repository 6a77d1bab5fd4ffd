namespace StorageFs.Core.Driver;

/// <summary>
/// Durable storage of persistent definitions, one per (kind, name), with the autostart and
/// intended-run-state flags beside each. Every write is atomic and durable when the call
/// returns. The driver calls it under one pool's lock, never under the registry lock, and
/// never for two operations on the same definition at once. Implementations throw
/// <see cref="StorageException"/> on failure.
/// </summary>
public interface IDefinitionStore
{
    /// <summary>Every stored definition that could be read; unreadable files are moved aside
    /// and logged by the store.</summary>
    IReadOnlyList<StoredDefinition> LoadAll();

    /// <summary>Writes (creates or replaces) a definition; its flags are kept.</summary>
    void Save(DefinitionKind kind, string name, string xml);

    /// <summary>Removes a definition and its flags; no error when absent.</summary>
    void Remove(DefinitionKind kind, string name);

    /// <summary>Sets the autostart flag of a stored definition.</summary>
    void SetAutostart(DefinitionKind kind, string name, bool autostart);

    /// <summary>Sets the intended run state of a stored definition.</summary>
    void SetIntendedRunning(DefinitionKind kind, string name, bool running);

    /// <summary>Moves a definition the driver cannot use (it parses but breaks a rule) aside,
    /// so it is not loaded again, noting <paramref name="reason"/>.</summary>
    void Quarantine(DefinitionKind kind, string name, string reason);
}
