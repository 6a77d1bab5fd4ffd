namespace StorageFs.Core.Model;

/// <summary>
/// An fspool's <c>&lt;source&gt;</c> (<c>virFSPoolSource</c>, fs_conf.c of the fspool
/// series): name, format, dir and product are read; for type dir only product is formatted.
/// </summary>
public sealed class FsPoolSource
{
    /// <summary>Source name (unused by dir).</summary>
    public string? Name { get; set; }

    /// <summary>Source format (unused by dir).</summary>
    public string? Format { get; set; }

    /// <summary>Source directory (unused by dir).</summary>
    public string? Dir { get; set; }

    /// <summary>Product name, informational.</summary>
    public string? Product { get; set; }
}
