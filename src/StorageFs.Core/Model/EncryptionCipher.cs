namespace StorageFs.Core.Model;

/// <summary>
/// LUKS <c>&lt;cipher name size mode hash/&gt;</c> (<c>virStorageEncryptionInfoDef</c>).
/// </summary>
public sealed record EncryptionCipher(string Name, uint Size, string? Mode, string? Hash);
