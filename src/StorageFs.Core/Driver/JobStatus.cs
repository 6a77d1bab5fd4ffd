namespace StorageFs.Core.Driver;

/// <summary>Where a <see cref="StorageJob"/> is in its life.</summary>
public enum JobStatus
{
    Running,
    Succeeded,
    Failed,
    Cancelled,
}
