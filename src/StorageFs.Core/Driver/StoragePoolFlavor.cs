using StorageFs.Core.Backend;
using StorageFs.Core.Model;
using StorageFs.Core.Names;
using StorageFs.Core.Persistence;
using StorageFs.Core.Xml;

namespace StorageFs.Core.Driver;

/// <summary>Storage pools and volumes for the shared lifecycle, with libvirt's messages
/// (src/storage/storage_driver.c).</summary>
internal sealed class StoragePoolFlavor : PoolFlavor<PoolDefinition, VolumeDefinition, IPoolBackend>, IPoolFlavor<PoolDefinition, VolumeDefinition>
{
    private readonly BackendTable _backends;

    public StoragePoolFlavor(BackendTable backends)
    {
        _backends = backends;
    }

    public DefinitionKind Kind => DefinitionKind.Pool;

    public string Noun => "storage pool";

    public string ShortNoun => "pool";

    public string ChildNoun => "storage vol";

    public PoolDefinition Parse(string xml) => Validated(PoolXml.Parse(xml));

    public PoolDefinition Parse(System.Xml.Linq.XElement root) => Validated(PoolXml.Parse(root));

    public PoolBuildFlags? BuildWhenCreated(PoolDefinition def) =>
        _backends.Find(def.Type) is { Capabilities.BuildWhenCreated: true } ? PoolBuildFlags.None : null;

    private static PoolDefinition Validated(PoolDefinition def)
    {
        NameRules.Validate(NameKind.Pool, def.Name);
        return def;
    }

    public string Format(PoolDefinition def) => PoolXml.Format(def);

    public PoolDefinition Copy(PoolDefinition def) => DefinitionCopy.Of(def);

    public StorageException PoolNotFound(string name) =>
        StorageErrors.NoPool($"no storage pool with matching name '{name}'");

    public StorageException ChildNotFound(string name) =>
        StorageErrors.NoVolume($"no storage vol with matching name '{name}'");

    public void RequireBackend(PoolDefinition def) => _backends.Get(def.Type);

    public IReadOnlyList<string> SourceKeys(PoolDefinition def)
    {
        try
        {
            return _backends.Find(def.Type)?.SourceKeys(def) ?? [];
        }
        catch (StorageException)
        {
            return [];
        }
    }

    // The backend's capability says; a type no backend serves yet (vstorage) by libvirt's model:
    // a local target holding file volumes holds data all the same.
    public string? DirectoryTarget(PoolDefinition def) =>
        (_backends.Find(def.Type)?.Capabilities.TargetIsDirectory ?? PoolTypes.Get(def.Type).TargetHoldsFiles) ? def.Target.Path : null;

    public bool ShowsTargetPermissions(PoolDefinition def) => def.TypeInfo.HasTarget;

    public PoolBuildFlags BuildFlags(PoolDefinition def) => Backend(def).Capabilities.BuildFlags;

    public override StorageException DeleteUnsupported => StorageErrors.NoSupport("pool does not support pool deletion");

    protected override bool Supports(IPoolBackend backend, PoolOperations step) => backend.Capabilities.Supports(step);

    public RefreshOutcome<VolumeDefinition> Refresh(PoolDefinition def, CancellationToken cancellation)
    {
        var result = Backend(def).Refresh(def, cancellation);
        return new(result.Sizes, result.Volumes, result.TargetPermissions, result.Problems);
    }

    protected override IPoolBackend Backend(PoolDefinition def) => _backends.Get(def.Type);

    // Build and start need the host to have what the type uses (a pool the kernel cannot mount
    // or log in to fails here with EOPNOTSUPP naming the missing piece, not halfway through).
    protected override IPoolBackend RunnableBackend(PoolDefinition def)
    {
        var backend = Backend(def);
        var availability = backend.Availability(def);
        if (!availability.Runnable)
        {
            throw availability.Refusal(def.Name);
        }
        return backend;
    }
}
