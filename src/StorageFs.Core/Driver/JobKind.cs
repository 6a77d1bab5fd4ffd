namespace StorageFs.Core.Driver;

/// <summary>What a <see cref="StorageJob"/> does.</summary>
public enum JobKind
{
    PoolBuild,
    VolumeCreate,
    VolumeClone,
    VolumeWipe,
    VolumeSnapshot,
    VolumeArchive,
    VolumeRestore,
    ItemClone,
    ItemDelete,
    VolumeGrowFs,
    VolumeShrinkFs,
}
