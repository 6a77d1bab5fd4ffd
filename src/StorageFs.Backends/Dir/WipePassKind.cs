namespace StorageFs.Backends.Dir;

/// <summary>What a <see cref="WipePass"/> does.</summary>
internal enum WipePassKind
{
    Pattern,
    Random,
    Verify,
}
