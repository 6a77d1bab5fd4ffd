namespace StorageFs.IntegrationTests.Tree;

/// <summary>
/// Skip reasons of the tree tests that find a bug not fixed yet, each naming the component that
/// lacks the fix (STYLE.md "Tests"). Each test asserts the documented behaviour: delete its
/// Skip once the component is fixed, and the test proves it.
/// </summary>
internal static class KnownBugs
{
    public const string ReadBackOffset =
        "KNOWN BUG src/StorageFs.Vfs/TextFile.cs: the reply is read at the descriptor's offset, which the write moved past it (cat <&3 after a 500-byte document reads nothing)";

    public const string FlushDiscardsDocument =
        "KNOWN BUG src/StorageFs.Vfs/TextFile.cs Flush: closing a duplicate of the descriptor (bash after each >&3) fails and discards the unfinished document";

    public const string MissingBackendIsEIO =
        "KNOWN BUG src/StorageFs.Core (pool flavor RequireBackend): a known type without a backend throws InternalError 'missing backend for pool type N', so define fails with EIO instead of EOPNOTSUPP";

    public const string BusyPoolIsEIO =
        "KNOWN BUG src/StorageFs.Core/Driver/PoolLifecycle.Steps.cs RequireNoJobs: 'has asynchronous jobs running' is InternalError, so stop/refresh of a pool with an open volume fail with EIO instead of EBUSY";

    public const string ItemsLackSymlinkAndSetattr =
        "KNOWN BUG src/StorageFs.Vfs/Host/HostDir.cs: item directories refuse symlink, chmod, chown and utimes (EPERM), so tar and cp -a fail";

    public const string NoRefreshOnLookup =
        "KNOWN BUG src/StorageFs.Vfs/Tree/VolumesDir.cs + driver: a volume made in the pool directory by another process shows only after 'echo refresh > ctl' (notes/ux.md G9: listings refresh the pool)";
}
