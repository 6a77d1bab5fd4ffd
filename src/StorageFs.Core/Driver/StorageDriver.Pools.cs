using StorageFs.Core.Backend;
using StorageFs.Core.Model;
using StorageFs.Core.Persistence;
using StorageFs.Core.Xml;

namespace StorageFs.Core.Driver;

/// <summary>Storage pool lifecycle (virStoragePool* APIs).</summary>
public sealed partial class StorageDriver
{
    /// <summary>
    /// Defines (or, <paramref name="transient"/>, creates and starts) the pool or fspool a document
    /// describes: its root element says which, and it is parsed once. A transient one whose type
    /// builds harmlessly (the capability's <c>BuildWhenCreated</c>: a directory made when missing)
    /// is built first; no other type is ever built implicitly. With <paramref name="onlyName"/>, a
    /// document naming any other pool is refused before anything changes.
    /// </summary>
    /// <exception cref="StorageException">XmlError for a document that is neither; otherwise as
    /// <see cref="DefinePool"/>, <see cref="CreatePool"/> and their fspool twins.</exception>
    public PoolInfo Define(string xml, bool transient, string? onlyName = null)
    {
        var root = SafeXml.Load(xml, PoolXml.DocumentName);
        switch (root.Name.LocalName)
        {
            case "pool":
                var def = _poolFlavor.Parse(root);
                RequireName(onlyName, def.Name, "pool");
                if (def.Cluster is not null)
                {
                    return DefineClusterPool(def, transient);
                }
                RequireNotClusterWide(def.Name);
                return PoolInfoOf(transient ? _pools.Create(def, _poolFlavor.BuildWhenCreated(def)) : _pools.Define(def));
            case "fspool":
                var fsDef = _fsPoolFlavor.Parse(root);
                RequireName(onlyName, fsDef.Name, "fspool");
                return FsPoolInfoOf(transient ? _fsPools.Create(fsDef, _fsPoolFlavor.BuildWhenCreated(fsDef)) : _fsPools.Define(fsDef));
            default:
                throw new StorageException(ErrorCode.XmlError, $"expected a <pool> or <fspool> document, got <{root.Name.LocalName}>");
        }
    }

    private static void RequireName(string? onlyName, string named, string noun)
    {
        if (onlyName is not null && named != onlyName)
        {
            throw new StorageException(ErrorCode.InvalidArg,
                $"this document may define {noun} '{onlyName}' only; it names '{named}' (define a new {noun} with /define)");
        }
    }

    /// <summary>Defines (or redefines) a persistent pool from XML; a running pool keeps its
    /// live definition until it stops (libvirt's newDef).</summary>
    /// <exception cref="StorageException">XmlError/ConfigUnsupported/InvalidArg for the document,
    /// OperationDenied for a target outside the allowed directories, PoolExists for a name,
    /// UUID or source conflict, InternalError for a type without backend.</exception>
    public PoolInfo DefinePool(string xml)
    {
        var def = _poolFlavor.Parse(SafeXml.Load(xml, PoolXml.DocumentName));
        if (def.Cluster is not null)
        {
            return DefineClusterPool(def, transient: false);
        }
        RequireNotClusterWide(def.Name);
        return PoolInfoOf(_pools.Define(def));
    }

    /// <summary>Creates and starts a transient pool (gone once stopped), building it first when
    /// <paramref name="build"/> is given.</summary>
    public PoolInfo CreatePool(string xml, PoolBuildFlags? build = null) => PoolInfoOf(_pools.Create(xml, build));

    /// <summary>Removes a persistent, inactive pool's definition; a cluster-wide one leaves the
    /// cluster store too, and so every host (docs/CLUSTER.md).</summary>
    public void UndefinePool(string name)
    {
        var entry = _pools.Get(name);
        bool shared, active;
        lock (entry.Gate)
        {
            shared = entry.Def.Cluster is not null;
            active = entry.IsActive;
        }
        if (!shared || active || Cluster is not { } cluster)
        {
            _pools.Undefine(name);
            return;
        }
        // Here first (libvirt's checks), then the store; if the store cannot be told, the pool
        // is defined here again, so nothing changed anywhere.
        PoolDefinition def;
        lock (entry.Gate)
        {
            def = DefinitionCopy.Of(entry.Def);
        }
        _pools.Undefine(name);
        try
        {
            cluster.WithdrawPool(name);
        }
        catch (StorageException)
        {
            _pools.Define(def);
            throw;
        }
    }

    /// <summary>Starts a pool, building it first when <paramref name="build"/> is given.</summary>
    public void StartPool(string name, PoolBuildFlags? build = null) => _pools.Start(name, build);

    /// <summary>Stops a running pool (virsh pool-destroy); a transient pool goes away.</summary>
    public void StopPool(string name) => _pools.Stop(name);

    /// <summary>Builds an inactive pool and waits for the build job.</summary>
    public void BuildPool(string name, PoolBuildFlags flags = PoolBuildFlags.None, JobRequester? requester = null) =>
        StartBuildPool(name, flags, requester).Wait();

    /// <summary>Starts building an inactive pool as a job (state building meanwhile).</summary>
    public StorageJob StartBuildPool(string name, PoolBuildFlags flags = PoolBuildFlags.None, JobRequester? requester = null) =>
        _pools.StartBuild(name, flags, requester);

    /// <summary>Deletes an inactive pool's storage (a dir pool's directory, which must be empty).</summary>
    public void DeletePool(string name) => _pools.Delete(name);

    /// <summary>Re-reads a running pool's sizes and volumes; a failure stops the pool and
    /// leaves it inaccessible.</summary>
    public void RefreshPool(string name) => _pools.Refresh(name);

    /// <summary>Refreshes a pool without raising <see cref="StorageEventKind.PoolRefreshed"/>: a
    /// refresh a reader's listing caused, which no one asked to hear about.</summary>
    public void RefreshPoolQuietly(string name) => _pools.Refresh(name, announce: false);

    /// <summary>Sets a persistent pool's autostart flag.</summary>
    public void SetPoolAutostart(string name, bool autostart) => _pools.SetAutostart(name, autostart);

    /// <summary>The pool's state and numbers (virsh pool-info).</summary>
    public PoolInfo GetPoolInfo(string name) => PoolInfoOf(_pools.Get(name));

    /// <summary>
    /// When (UTC) the backend began reading the volumes the pool lists now (its last start or
    /// refresh); <see cref="DateTime.MinValue"/> before any. A directory whose mtime is older
    /// than this by more than the timestamp granularity has not changed since.
    /// </summary>
    public DateTime PoolVolumesReadSince(string name) => _pools.Get(name).ReadSince;

    /// <summary>The pool, or null when there is none of that name.</summary>
    public PoolInfo? FindPool(string name)
    {
        try
        {
            return GetPoolInfo(name);
        }
        catch (StorageException e) when (e.Code == ErrorCode.NoStoragePool)
        {
            return null;
        }
    }

    /// <summary>The pool's XML: the live definition with current sizes while active, else the
    /// stored one; <paramref name="inactive"/> shows a pending redefinition instead.</summary>
    public string GetPoolXml(string name, bool inactive = false) => _pools.Xml(name, inactive);

    /// <summary>Every pool, sorted by name as virsh sorts (case-insensitive).</summary>
    public IReadOnlyList<PoolInfo> ListPools() => [.. _pools.All().Select(PoolInfoOf)];

    /// <summary>What the backend of <paramref name="name"/>'s type supports.</summary>
    public PoolBackendCapabilities GetPoolCapabilities(string name) =>
        _backends.Get(_pools.Get(name).Def.Type).Capabilities;

    private PoolInfo PoolInfoOf(PoolEntry<PoolDefinition, VolumeDefinition> entry) =>
        _pools.Info(entry, entry.Def.Type.ToXml());
}
