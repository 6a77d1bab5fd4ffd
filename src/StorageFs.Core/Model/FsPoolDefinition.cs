namespace StorageFs.Core.Model;

/// <summary>
/// A filesystem pool, <c>&lt;fspool type='dir'&gt;</c>, after the 2016 libvirt fspool series
/// (<c>virFSPoolDef</c>, src/conf/fs_conf.c). Invariants after <c>FsPoolXml.Parse</c>:
/// name non-empty without '/'; target path present and sanitised. Sizes are output only.
/// </summary>
public sealed class FsPoolDefinition
{
    /// <summary>fspool type.</summary>
    public FsPoolType Type { get; set; }

    /// <summary>fspool name.</summary>
    public string Name { get; set; } = "";

    /// <summary>UUID (generated when the document has none).</summary>
    public Guid Uuid { get; set; }

    /// <summary>Capacity in bytes (output only).</summary>
    public ulong Capacity { get; set; }

    /// <summary>Allocation in bytes (output only).</summary>
    public ulong Allocation { get; set; }

    /// <summary>Available bytes (output only).</summary>
    public ulong Available { get; set; }

    /// <summary>The source.</summary>
    public FsPoolSource Source { get; set; } = new();

    /// <summary>The root directory and its permissions.</summary>
    public PoolTarget Target { get; set; } = new();
}
