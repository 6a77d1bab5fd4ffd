using StorageFs.Core.Model;

namespace StorageFs.Core.Backend;

/// <summary>
/// What one fspool backend supports, as data. An fspool's target is always a directory, so
/// it always obeys the allowed-directories policy and is never shared with another pool.
/// </summary>
/// <param name="Type">The fspool type the backend serves.</param>
/// <param name="Operations">The operations it implements.</param>
/// <param name="BuildFlags">Build flags it accepts.</param>
public sealed record FsPoolBackendCapabilities(
    FsPoolType Type,
    FsPoolOperations Operations,
    PoolBuildFlags BuildFlags)
{
    /// <summary>True when every operation of <paramref name="operations"/> is implemented.</summary>
    public bool Supports(FsPoolOperations operations) => (Operations & operations) == operations;
}
