using StorageFs.Core.Backend;
using StorageFs.Core.Model;
using StorageFs.Core.Persistence;

namespace StorageFs.Core.Driver;

/// <summary>
/// What differs between storage pools and fspools for the shared lifecycle
/// (<see cref="PoolLifecycle{TDef, TChild}"/>): their documents, messages and backends. Every
/// backend call checks the backend's capabilities first.
/// </summary>
internal interface IPoolFlavor<TDef, TChild>
    where TDef : PoolDefinitionBase
    where TChild : PoolChildDefinition
{
    DefinitionKind Kind { get; }

    /// <summary>"storage pool" or "fspool", as in "storage pool 'p' is not active".</summary>
    string Noun { get; }

    /// <summary>"pool" or "fspool", as in "pool 'p' already exists with uuid …".</summary>
    string ShortNoun { get; }

    /// <summary>"storage vol" or "item", as in "no storage vol with matching name 'v'".</summary>
    string ChildNoun { get; }

    TDef Parse(string xml);

    /// <summary>The definition in an already loaded document (its root element).</summary>
    TDef Parse(System.Xml.Linq.XElement root);

    /// <summary>The build a transient create does first: none unless the type's build is harmless (a directory made when missing).</summary>
    PoolBuildFlags? BuildWhenCreated(TDef def);

    string Format(TDef def);

    TDef Copy(TDef def);

    StorageException PoolNotFound(string name);

    StorageException ChildNotFound(string name);

    /// <summary>Throws when no backend serves the definition's type.</summary>
    void RequireBackend(TDef def);

    /// <summary>The backend's keys for the definition's source (<see cref="IPoolBackend.SourceKeys"/>):
    /// two pools sharing one are duplicates. Never throws.</summary>
    IReadOnlyList<string> SourceKeys(TDef def);

    /// <summary>The target path when it is a directory that holds the pool's data (so the
    /// allowed-directories policy applies), else null.</summary>
    string? DirectoryTarget(TDef def);

    /// <summary>Whether the definition shows its target's permissions as the host has them
    /// (every fspool; a pool whose type has a target).</summary>
    bool ShowsTargetPermissions(TDef def);

    PoolBuildFlags BuildFlags(TDef def);

    bool CanDelete(TDef def);

    /// <summary>The NoSupport error of a backend without delete.</summary>
    StorageException DeleteUnsupported { get; }

    bool CheckActive(TDef def);

    void Start(TDef def, CancellationToken cancellation);

    void Stop(TDef def);

    void Build(TDef def, PoolBuildFlags flags, IOperationProgress progress, CancellationToken cancellation);

    void Delete(TDef def);

    RefreshOutcome<TChild> Refresh(TDef def, CancellationToken cancellation);
}
