namespace StorageFs.Core.Persistence;

/// <summary>
/// Per-definition flags that persist with the definition. The default (no autostart,
/// stopped) is what a freshly defined libvirt pool has.
/// </summary>
public readonly record struct DefinitionFlags(bool Autostart, IntendedState State)
{
    /// <summary>Flags of a definition that has never been started or marked autostart.</summary>
    public static DefinitionFlags Default => new(false, IntendedState.Stopped);
}
