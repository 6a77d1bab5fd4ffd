namespace StorageFs.Core.Persistence;

/// <summary>
/// The run state the user last asked for, persisted so a daemon restart restores it.
/// libvirt instead re-runs checkPool for every pool at start (storage_driver.c
/// storageStateInitialize), which brings a stopped dir pool back to running.
/// </summary>
public enum IntendedState
{
    /// <summary>The user stopped the pool, or never started it.</summary>
    Stopped,

    /// <summary>The pool was running when the user last acted on it.</summary>
    Running,
}
