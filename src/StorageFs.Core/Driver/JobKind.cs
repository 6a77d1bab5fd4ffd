namespace StorageFs.Core.Driver;

/// <summary>What a <see cref="StorageJob"/> does.</summary>
public enum JobKind
{
    PoolBuild,
    VolumeCreate,
    VolumeClone,
    VolumeWipe,
    ItemClone,
    ItemDelete,
    VolumeGrowFs,
    VolumeShrinkFs,
}
