namespace StorageFs.Core.Driver;

/// <summary>The two kinds of durable definition: storage pools and filesystem pools. Their
/// names live in separate name spaces, as in libvirt's fspool series.</summary>
public enum DefinitionKind
{
    /// <summary>A <c>&lt;pool&gt;</c>.</summary>
    Pool,

    /// <summary>An <c>&lt;fspool&gt;</c>.</summary>
    FsPool,
}
