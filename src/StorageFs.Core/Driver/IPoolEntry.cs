using StorageFs.Core.Persistence;

namespace StorageFs.Core.Driver;

/// <summary>
/// What the registry and the duplicate rules see of a pool of either kind. The definitions are
/// replaced, never mutated, so they may be read without the pool's gate.
/// </summary>
internal interface IPoolEntry
{
    DefinitionKind Kind { get; }

    string Name { get; }

    Guid Uuid { get; }

    /// <summary>The live (or only) definition: a <c>PoolDefinition</c> or <c>FsPoolDefinition</c>.</summary>
    object Definition { get; }

    /// <summary>A definition waiting for the pool to stop, if any.</summary>
    object? PendingDefinition { get; }

    bool IsActive { get; }

    bool IsStarting { get; }

    /// <summary>Set once the pool is gone (undefined, or a transient pool stopped).</summary>
    bool Removed { get; }
}
