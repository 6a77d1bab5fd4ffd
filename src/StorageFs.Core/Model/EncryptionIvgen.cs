namespace StorageFs.Core.Model;

/// <summary>
/// LUKS <c>&lt;ivgen name hash/&gt;</c>; only allowed together with a cipher.
/// </summary>
public sealed record EncryptionIvgen(string Name, string? Hash);
