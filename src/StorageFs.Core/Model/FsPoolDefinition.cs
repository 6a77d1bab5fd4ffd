namespace StorageFs.Core.Model;

/// <summary>
/// A filesystem pool, <c>&lt;fspool type='dir'&gt;</c>, after the 2016 libvirt fspool series
/// (<c>virFSPoolDef</c>, src/conf/fs_conf.c). Invariants after <c>FsPoolXml.Parse</c>:
/// name non-empty without '/'; target path present and sanitised. Sizes are output only.
/// </summary>
public sealed class FsPoolDefinition : PoolDefinitionBase
{
    /// <summary>fspool type.</summary>
    public FsPoolType Type { get; set; }

    /// <summary>The source.</summary>
    public FsPoolSource Source { get; set; } = new();
}
