namespace StorageFs.Fuzz;

/// <summary>
/// A broken property found by a target (an unstable round trip, an undocumented error code, an
/// EIO answer). Thrown out of the target so afl-fuzz records the input as a crash, like any
/// unexpected exception.
/// </summary>
public sealed class Finding(string message) : Exception(message);
