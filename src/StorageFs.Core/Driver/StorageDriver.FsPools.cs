using StorageFs.Core.Backend;
using StorageFs.Core.Persistence;

namespace StorageFs.Core.Driver;

/// <summary>fspool lifecycle (the fspool series' virFSPool* APIs), the same state machine as
/// storage pools.</summary>
public sealed partial class StorageDriver
{
    /// <summary>Defines (or redefines) a persistent fspool from XML.</summary>
    public PoolInfo DefineFsPool(string xml) => FsPoolInfoOf(_fsPools.Define(xml));

    /// <summary>Creates and starts a transient fspool, building it first when asked.</summary>
    public PoolInfo CreateFsPool(string xml, PoolBuildFlags? build = null) => FsPoolInfoOf(_fsPools.Create(xml, build));

    /// <summary>Removes a persistent, inactive fspool's definition.</summary>
    public void UndefineFsPool(string name) => _fsPools.Undefine(name);

    /// <summary>Starts an fspool, building it first when asked.</summary>
    public void StartFsPool(string name, PoolBuildFlags? build = null) => _fsPools.Start(name, build);

    /// <summary>Stops a running fspool.</summary>
    public void StopFsPool(string name) => _fsPools.Stop(name);

    /// <summary>Builds an inactive fspool (creates its root) and waits.</summary>
    public void BuildFsPool(string name, PoolBuildFlags flags = PoolBuildFlags.None, JobRequester? requester = null) =>
        StartBuildFsPool(name, flags, requester).Wait();

    /// <summary>Starts building an inactive fspool as a job.</summary>
    public StorageJob StartBuildFsPool(string name, PoolBuildFlags flags = PoolBuildFlags.None, JobRequester? requester = null) =>
        _fsPools.StartBuild(name, flags, requester);

    /// <summary>Deletes an inactive fspool's (empty) root directory.</summary>
    public void DeleteFsPool(string name) => _fsPools.Delete(name);

    /// <summary>Re-reads a running fspool's sizes and items.</summary>
    public void RefreshFsPool(string name) => _fsPools.Refresh(name);

    /// <summary>Sets a persistent fspool's autostart flag.</summary>
    public void SetFsPoolAutostart(string name, bool autostart) => _fsPools.SetAutostart(name, autostart);

    /// <summary>The fspool's state and numbers.</summary>
    public PoolInfo GetFsPoolInfo(string name) => FsPoolInfoOf(_fsPools.Get(name));

    /// <summary>The fspool's XML (live sizes while active).</summary>
    public string GetFsPoolXml(string name, bool inactive = false) => _fsPools.Xml(name, inactive);

    /// <summary>Every fspool, sorted by name.</summary>
    public IReadOnlyList<PoolInfo> ListFsPools() => [.. _fsPools.All().Select(FsPoolInfoOf)];

    private PoolInfo FsPoolInfoOf(PoolEntry<Model.FsPoolDefinition, Model.FsItemDefinition> entry) =>
        _fsPools.Info(entry, entry.Def.Type.ToString().ToLowerInvariant());
}
