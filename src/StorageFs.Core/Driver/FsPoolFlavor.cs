using StorageFs.Core.Backend;
using StorageFs.Core.Model;
using StorageFs.Core.Names;
using StorageFs.Core.Persistence;
using StorageFs.Core.Xml;

namespace StorageFs.Core.Driver;

/// <summary>fspools and items for the shared lifecycle, with the messages of libvirt's 2016
/// fspool series (src/fs/fs_driver.c).</summary>
internal sealed class FsPoolFlavor : PoolFlavor<FsPoolDefinition, FsItemDefinition, IFsPoolBackend>, IPoolFlavor<FsPoolDefinition, FsItemDefinition>
{
    private readonly BackendTable _backends;

    public FsPoolFlavor(BackendTable backends)
    {
        _backends = backends;
    }

    public DefinitionKind Kind => DefinitionKind.FsPool;

    public string Noun => "fspool";

    public string ShortNoun => "fspool";

    public string ChildNoun => "item";

    public FsPoolDefinition Parse(string xml) => Validated(FsPoolXml.Parse(xml));

    public FsPoolDefinition Parse(System.Xml.Linq.XElement root) => Validated(FsPoolXml.Parse(root));

    public PoolBuildFlags? BuildWhenCreated(FsPoolDefinition def) =>
        _backends.Find(def.Type) is { Capabilities.BuildWhenCreated: true } ? PoolBuildFlags.None : null;

    private static FsPoolDefinition Validated(FsPoolDefinition def)
    {
        NameRules.Validate(NameKind.FsPool, def.Name);
        return def;
    }

    public string Format(FsPoolDefinition def) => FsPoolXml.Format(def);

    public FsPoolDefinition Copy(FsPoolDefinition def) => DefinitionCopy.Of(def);

    public StorageException PoolNotFound(string name) =>
        new(ErrorCode.NoStoragePool, $"fspool not found: no fspool with matching name '{name}'");

    public StorageException ChildNotFound(string name) =>
        new(ErrorCode.NoStorageVol, $"item not found: no item with matching name '{name}'");

    public void RequireBackend(FsPoolDefinition def) => _backends.Get(def.Type);

    public IReadOnlyList<string> SourceKeys(FsPoolDefinition def) => [];

    public string? DirectoryTarget(FsPoolDefinition def) => def.Target.Path;

    public bool ShowsTargetPermissions(FsPoolDefinition def) => true;

    public PoolBuildFlags BuildFlags(FsPoolDefinition def) => Backend(def).Capabilities.BuildFlags;

    public override StorageException DeleteUnsupported => StorageErrors.NoSupport("fspool does not support fspool deletion");

    protected override bool Supports(IFsPoolBackend backend, PoolOperations step) => backend.Capabilities.Supports(step switch
    {
        PoolOperations.Check => FsPoolOperations.Check,
        PoolOperations.Start => FsPoolOperations.Start,
        PoolOperations.Stop => FsPoolOperations.Stop,
        PoolOperations.Build => FsPoolOperations.Build,
        PoolOperations.Delete => FsPoolOperations.Delete,
        _ => throw new ArgumentOutOfRangeException(nameof(step), step, "not a lifecycle step"),
    });

    public RefreshOutcome<FsItemDefinition> Refresh(FsPoolDefinition def, CancellationToken cancellation)
    {
        var result = Backend(def).Refresh(def, cancellation);
        return new(result.Sizes, result.Items, result.TargetPermissions, result.Problems);
    }

    protected override IFsPoolBackend Backend(FsPoolDefinition def) => _backends.Get(def.Type);
}
