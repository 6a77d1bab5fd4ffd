using System.Globalization;
using System.Text;
using StorageFs.Core.Model;
using StorageFs.Core.Units;

namespace StorageFs.Core.Driver;

/// <summary>A snapshot of one volume: the fields of <c>virsh vol-info</c> and
/// <c>vol-list --details</c>, plus key, format, backing store and busy marks.</summary>
public sealed record VolumeInfo
{
    /// <summary>The pool it belongs to.</summary>
    public required string Pool { get; init; }

    /// <summary>Name.</summary>
    public required string Name { get; init; }

    /// <summary>Key (the path for file pools).</summary>
    public string? Key { get; init; }

    /// <summary>Path of the data.</summary>
    public string? Path { get; init; }

    /// <summary>Volume type.</summary>
    public VolumeType Type { get; init; }

    /// <summary>Format ("raw", "qcow2", …), null for types without one.</summary>
    public string? Format { get; init; }

    /// <summary>True when the volume's bytes are its guest data one to one (raw, or no format):
    /// its length is its capacity, so growing the file grows the volume.</summary>
    public bool LengthIsCapacity => Format is null or "raw";

    /// <summary>Capacity in bytes.</summary>
    public ulong Capacity { get; init; }

    /// <summary>Allocation in bytes.</summary>
    public ulong Allocation { get; init; }

    /// <summary>Physical size in bytes (0 when unknown).</summary>
    public ulong Physical { get; init; }

    /// <summary>Backing image path, if any.</summary>
    public string? BackingPath { get; init; }

    /// <summary>Being created.</summary>
    public bool Building { get; init; }

    /// <summary>Jobs and streams using it.</summary>
    public int InUse { get; init; }

    /// <summary>The type as virsh names it.</summary>
    public string TypeName => Type switch
    {
        VolumeType.File => "file",
        VolumeType.Block => "block",
        VolumeType.Dir => "dir",
        VolumeType.Network => "network",
        VolumeType.NetDir => "netdir",
        _ => "ploop",
    };

    /// <summary>The text of <c>virsh vol-info [--bytes] [--physical]</c> (tools/virsh-volume.c).</summary>
    public string ToVirshText(bool bytes = false, bool physical = false)
    {
        var sb = new StringBuilder();
        Line(sb, "Name:", Name);
        Line(sb, "Type:", TypeName);
        Line(sb, "Capacity:", Size(Capacity, bytes));
        Line(sb, physical ? "Physical:" : "Allocation:", Size(physical ? Physical : Allocation, bytes));
        sb.Append('\n');
        return sb.ToString();
    }

    // Called per stat of a volume (PeekVolume): a file volume's key is its path, both kept as the
    // pool's directory plus the name, so the path is built once and serves as the key too.
    internal static VolumeInfo From(string pool, VolumeDefinition def, bool building, int inUse) =>
        From(pool, def, building, inUse, def.Target.Path);

    private static VolumeInfo From(string pool, VolumeDefinition def, bool building, int inUse, string? path) => new()
    {
        Pool = pool,
        Name = def.Name,
        Key = path is not null && def.KeyIs(path) ? path : def.Key,
        Path = path,
        Type = def.Type,
        Format = def.Target.Format,
        Capacity = def.Capacity,
        Allocation = def.Allocation,
        Physical = def.Physical,
        BackingPath = def.BackingStore?.Path,
        Building = building,
        InUse = inUse,
    };

    private static string Size(ulong value, bool bytes) =>
        bytes ? value.ToString(CultureInfo.InvariantCulture) + " bytes" : PrettySize.Format(value);

    private static void Line(StringBuilder sb, string label, string value) =>
        sb.Append(label.PadRight(15)).Append(' ').Append(value).Append('\n');
}
