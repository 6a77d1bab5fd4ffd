namespace StorageFs.Core.Model;

/// <summary>
/// A storage pool definition, <c>&lt;pool type='…'&gt;</c> (<c>virStoragePoolDef</c>,
/// src/conf/storage_conf.c). Invariants after <c>PoolXml.Parse</c>: <see cref="Name"/> is
/// non-empty without '/'; the source parts the type requires are present; a non-network
/// pool has a sanitised <see cref="PoolTarget.Path"/>. Sizes are output only.
/// </summary>
public sealed class PoolDefinition : PoolDefinitionBase
{
    /// <summary>Pool type.</summary>
    public PoolType Type { get; set; }

    /// <summary><c>&lt;features&gt;&lt;cow state&gt;</c>, dir and fs pools only.</summary>
    public TristateBool Cow { get; set; }

    /// <summary>The source.</summary>
    public PoolSource Source { get; set; } = new();

    /// <summary><c>&lt;refresh&gt;&lt;volume allocation&gt;</c>, null when absent.</summary>
    public PoolRefreshAllocation? RefreshVolumeAllocation { get; set; }

    /// <summary><c>fs:mount_opts</c> option names (fs, netfs); empty when absent.</summary>
    public List<string> MountOptions { get; } = [];

    /// <summary><c>rbd:config_opts</c> options (rbd); empty when absent.</summary>
    public List<RbdConfigOption> RbdConfigOptions { get; } = [];

    /// <summary><c>storagefs:cluster</c>: the pool is cluster-wide; null for a pool of this host alone.</summary>
    public ClusterPoolSetting? Cluster { get; set; }

    /// <summary>The rules of this pool's type.</summary>
    public PoolTypeInfo TypeInfo => PoolTypes.Get(Type);
}
