using StorageFs.Core.Model;

namespace StorageFs.Core.Backend;

/// <summary>
/// What one fspool backend supports, as data. An fspool's target is always a directory, so
/// it always obeys the allowed-directories policy and is never shared with another pool.
/// </summary>
/// <param name="Type">The fspool type the backend serves.</param>
/// <param name="Operations">The operations it implements.</param>
/// <param name="BuildFlags">Build flags it accepts.</param>
/// <param name="BuildWhenCreated">True when building is harmless (a directory made when missing), so a transient fspool written to <c>create</c> is built first.</param>
public sealed record FsPoolBackendCapabilities(
    FsPoolType Type,
    FsPoolOperations Operations,
    PoolBuildFlags BuildFlags,
    bool BuildWhenCreated = false)
{
    /// <summary>True when every operation of <paramref name="operations"/> is implemented.</summary>
    public bool Supports(FsPoolOperations operations) => (Operations & operations) == operations;
}
