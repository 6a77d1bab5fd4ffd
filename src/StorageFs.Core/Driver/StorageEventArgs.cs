using StorageFs.Core.Persistence;

namespace StorageFs.Core.Driver;

/// <summary>
/// One change, raised by <see cref="StorageDriver.Changed"/> after the change is complete and
/// no lock is held. For fspools the pool kinds mean the same and the volume kinds mean items.
/// </summary>
public sealed class StorageEventArgs : EventArgs
{
    /// <summary>An event about <paramref name="pool"/> (and <paramref name="child"/>, a volume
    /// or item name).</summary>
    public StorageEventArgs(StorageEventKind kind, DefinitionKind poolKind, string pool, Guid uuid, string? child = null)
    {
        Kind = kind;
        PoolKind = poolKind;
        Pool = pool;
        Uuid = uuid;
        Child = child;
    }

    /// <summary>What happened.</summary>
    public StorageEventKind Kind { get; }

    /// <summary>Storage pool or fspool.</summary>
    public DefinitionKind PoolKind { get; }

    /// <summary>Pool name.</summary>
    public string Pool { get; }

    /// <summary>Pool UUID.</summary>
    public Guid Uuid { get; }

    /// <summary>Volume or item name, for the volume kinds.</summary>
    public string? Child { get; }

    /// <inheritdoc/>
    public override string ToString() =>
        Child is null ? $"{Kind} {PoolKind} '{Pool}'" : $"{Kind} {PoolKind} '{Pool}' '{Child}'";
}
