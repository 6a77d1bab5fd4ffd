using StorageFs.Core.Model;

namespace StorageFs.Core.Backend;

/// <summary>
/// What one pool backend supports, as data (libvirt's filled and empty slots of
/// <c>virStorageBackend</c>, src/storage/storage_backend.h, plus <c>poolTypeInfo[]</c>'s
/// default volume format, src/conf/storage_conf.c). The driver reads it before every call.
/// </summary>
/// <param name="Type">The pool type the backend serves.</param>
/// <param name="Operations">The operations it implements.</param>
/// <param name="VolumeFormats">Volume formats it can create (empty when it creates none).</param>
/// <param name="DefaultVolumeFormat">Format of a volume created without one; null when its
/// volumes have no format.</param>
/// <param name="WipeAlgorithms">Wipe algorithms it implements.</param>
/// <param name="BuildFlags">Build flags it accepts (it distinguishes overwrite from
/// no-overwrite only when both are listed).</param>
/// <param name="CloneSources">Pool types whose volumes it can copy from in a clone.</param>
/// <param name="TargetIsDirectory">True when the pool's target is a directory holding its
/// volumes (dir, fs, netfs, vstorage): the target path then obeys the allowed-directories policy
/// and must not be shared with another pool or fspool.</param>
/// <param name="SharedStorage">True when every host of a cluster reaches the very same storage
/// through a pool of this type (network filesystems, GlusterFS, iSCSI, Ceph): only such a pool
/// may be cluster-wide (docs/CLUSTER.md).</param>
/// <param name="SnapshotIsClone">True when a clone within the pool is a copy-on-write child of a
/// snapshot (rbd): the toolbox's <c>snapshot NEW</c> is such a clone.</param>
/// <param name="SnapshotRefusal">Why the toolbox's <c>snapshot NEW</c> is refused in a pool of
/// the type whatever its volumes (logical: an LVM snapshot needs device-mapper); null when the
/// pool's files and formats decide.</param>
public sealed record PoolBackendCapabilities(
    PoolType Type,
    PoolOperations Operations,
    IReadOnlyList<string> VolumeFormats,
    string? DefaultVolumeFormat,
    IReadOnlyList<WipeAlgorithm> WipeAlgorithms,
    PoolBuildFlags BuildFlags,
    IReadOnlyList<PoolType> CloneSources,
    bool TargetIsDirectory,
    HostRequirements? Requires = null,
    bool BuildWhenCreated = false,
    bool ListingFollowsTargetMtime = false,
    bool SharedStorage = false,
    bool SnapshotIsClone = false,
    string? SnapshotRefusal = null)
{
    /// <summary>What the type needs of the host (never null).</summary>
    public HostRequirements Requirements => Requires ?? HostRequirements.None;

    /// <summary>True when every operation of <paramref name="operations"/> is implemented.</summary>
    public bool Supports(PoolOperations operations) => (Operations & operations) == operations;

    /// <summary>True when the backend can create volumes of <paramref name="format"/>.</summary>
    public bool SupportsFormat(string format) => VolumeFormats.Contains(format, StringComparer.Ordinal);
}
