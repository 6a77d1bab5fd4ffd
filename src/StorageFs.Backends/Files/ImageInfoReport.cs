namespace StorageFs.Backends.Files;

/// <summary>The parts of <c>qemu-img info --output=json</c> a volume refresh uses.</summary>
internal sealed record ImageInfoReport(
    string Format,
    ulong VirtualSize,
    ulong ActualSize,
    string? BackingPath,
    string? BackingFormat,
    string? Compat);
