namespace StorageFs.Core.Model;

/// <summary>
/// Which parts of <c>&lt;source&gt;</c> a pool type uses, after libvirt's
/// <c>VIR_STORAGE_POOL_SOURCE_*</c> flags (src/conf/storage_conf.c). A part a type does not
/// use is parsed but never formatted; <see cref="Network"/> means the pool has no local
/// <c>&lt;target&gt;</c>.
/// </summary>
[Flags]
public enum PoolSourceParts
{
    None = 0,
    Host = 1 << 0,
    Device = 1 << 1,
    Dir = 1 << 2,
    Adapter = 1 << 3,
    Name = 1 << 4,
    InitiatorIqn = 1 << 5,
    Network = 1 << 6,
}
