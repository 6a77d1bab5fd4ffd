namespace StorageFs.Core.Driver;

/// <summary>One definition as the store holds it: the XML document and two flags.</summary>
/// <param name="Kind">Pool or fspool.</param>
/// <param name="Name">The name the file is stored under.</param>
/// <param name="Xml">The definition document.</param>
/// <param name="Autostart">Start it when StorageFs first starts after a boot.</param>
/// <param name="IntendedRunning">The user's last word: true after a start, false after a stop.</param>
public sealed record StoredDefinition(DefinitionKind Kind, string Name, string Xml, bool Autostart, bool IntendedRunning);
