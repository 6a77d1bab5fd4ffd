namespace StorageFs.Core.Model;

/// <summary>
/// <c>&lt;refresh&gt;&lt;volume allocation='…'/&gt;&lt;/refresh&gt;</c> of rbd pools
/// (<c>virStorageVolDefRefreshAllocation</c>, storage_conf.c).
/// </summary>
public enum PoolRefreshAllocation
{
    Default,
    Capacity,
}
