namespace StorageFs.Core.Persistence;

/// <summary>
/// What a stored definition describes. Each kind has its own folder under the state
/// directory and its own XML root element, so a pool and an fspool may share a name
/// (libvirt's 2016 fspool series kept them in separate drivers that never see each other).
/// </summary>
public enum DefinitionKind
{
    /// <summary>A storage pool: <c>pools/&lt;name&gt;.xml</c>, root <c>&lt;pool&gt;</c>.</summary>
    Pool,

    /// <summary>A filesystem pool: <c>fspools/&lt;name&gt;.xml</c>, root <c>&lt;fspool&gt;</c>.</summary>
    FsPool,
}
