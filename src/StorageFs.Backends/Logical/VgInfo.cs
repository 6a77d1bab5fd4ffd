namespace StorageFs.Backends.Logical;

/// <summary>A volume group's numbers from <c>vgs</c>, in bytes.</summary>
public sealed record VgInfo(string Name, ulong Size, ulong Free, ulong ExtentSize);
