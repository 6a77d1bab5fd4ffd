namespace StorageFs.Backends.Files;

/// <summary>What a <see cref="WipePass"/> does.</summary>
internal enum WipePassKind
{
    Pattern,
    Random,
    Verify,
}
