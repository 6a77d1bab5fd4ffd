using StorageFs.Core.Model;
using StorageFs.Core.Xml;

namespace StorageFs.Core.Driver;

/// <summary>
/// Deep copies of definitions, so that a backend works on its own copy outside the pool's gate
/// while readers keep seeing the published one. Encryption settings are shared: nothing in
/// StorageFs mutates them after parsing.
/// </summary>
internal static class DefinitionCopy
{
    public static PoolDefinition Of(PoolDefinition def)
    {
        var copy = PoolXml.Parse(PoolXml.Format(def));
        copy.CopySizesFrom(def);
        return copy;
    }

    public static FsPoolDefinition Of(FsPoolDefinition def)
    {
        var copy = FsPoolXml.Parse(FsPoolXml.Format(def));
        copy.CopySizesFrom(def);
        return copy;
    }

    public static VolumeDefinition Of(VolumeDefinition v)
    {
        var copy = new VolumeDefinition
        {
            Type = v.Type,
            Name = v.Name,
            Capacity = v.Capacity,
            Allocation = v.Allocation,
            HasAllocation = v.HasAllocation,
            Physical = v.Physical,
            Target = Of(v.Target),
            BackingStore = v.BackingStore is { } b
                ? new VolumeBackingStore { Path = b.Path, Format = b.Format, Permissions = Of(b.Permissions), Timestamps = Of(b.Timestamps) }
                : null,
        };
        copy.CopyKeyFrom(v);
        if (v.HasExtents)
        {
            copy.Extents.AddRange(v.Extents);
        }
        return copy;
    }

    public static FsItemDefinition Of(FsItemDefinition i) => new()
    {
        Name = i.Name,
        Key = i.Key,
        Capacity = i.Capacity,
        Enforcement = i.Enforcement,
        Allocation = i.Allocation,
        Path = i.Path,
        Permissions = Of(i.Permissions),
    };

    public static StoragePermissions Of(StoragePermissions p) => new()
    {
        Mode = p.Mode,
        Owner = p.Owner,
        Group = p.Group,
        Label = p.Label,
    };

    private static VolumeTimestamps? Of(VolumeTimestamps? ts) => ts is null
        ? null
        : new VolumeTimestamps { Atime = ts.Atime, Mtime = ts.Mtime, Ctime = ts.Ctime, Btime = ts.Btime };

    private static VolumeTarget Of(VolumeTarget t)
    {
        var copy = new VolumeTarget
        {
            Format = t.Format,
            Permissions = Of(t.Permissions),
            Timestamps = Of(t.Timestamps),
            Encryption = t.Encryption,
            Compat = t.Compat,
            NoCow = t.NoCow,
            ClusterSize = t.ClusterSize,
            Features = t.Features,
        };
        copy.CopyPathFrom(t);
        return copy;
    }
}
