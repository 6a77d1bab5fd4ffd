namespace StorageFs.Core.Persistence;

/// <summary>
/// One persistent definition as the store holds it: <see cref="Xml"/> is exactly the text
/// the caller saved (or, for a file dropped in by hand, the whole file), and its
/// <c>&lt;name&gt;</c> equals <see cref="Name"/>. <see cref="Uuid"/> is null only for a
/// hand-written file without a <c>&lt;uuid&gt;</c> element.
/// </summary>
public sealed record StoredDefinition(
    DefinitionKind Kind,
    string Name,
    Guid? Uuid,
    string Xml,
    DefinitionFlags Flags);
