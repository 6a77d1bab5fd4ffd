using System.Globalization;
using System.Text;
using StorageFs.Core.Model;
using StorageFs.Core.Units;

namespace StorageFs.Core.Driver;

/// <summary>A snapshot of one fspool item: the fields of the fspool series' <c>item-info</c>.</summary>
public sealed record FsItemInfo
{
    /// <summary>The fspool it belongs to.</summary>
    public required string FsPool { get; init; }

    /// <summary>Name.</summary>
    public required string Name { get; init; }

    /// <summary>Key (the path).</summary>
    public string? Key { get; init; }

    /// <summary>Path of the item's directory.</summary>
    public string? Path { get; init; }

    /// <summary>Capacity in bytes.</summary>
    public ulong Capacity { get; init; }

    /// <summary>Whether the capacity is enforced and, when not, why (one sentence); null when unknown.</summary>
    public string? Enforcement { get; init; }

    /// <summary>Bytes used by the item's tree.</summary>
    public ulong Allocation { get; init; }

    /// <summary>Being created or copied.</summary>
    public bool Building { get; init; }

    /// <summary>Jobs using it.</summary>
    public int InUse { get; init; }

    /// <summary>The text of <c>virsh item-info [--bytes]</c> (tools/virsh-fsitem.c), plus a
    /// <c>Quota:</c> line saying whether the capacity is enforced (and why not) when known.</summary>
    public string ToVirshText(bool bytes = false)
    {
        var sb = new StringBuilder();
        Line(sb, "Name:", Name);
        Line(sb, "Type:", "dir");
        Line(sb, "Capacity:", Size(Capacity, bytes));
        Line(sb, "Allocation:", Size(Allocation, bytes));
        if (Enforcement is not null)
        {
            Line(sb, "Quota:", Enforcement);
        }
        sb.Append('\n');
        return sb.ToString();
    }

    internal static FsItemInfo From(string pool, FsItemDefinition def, bool building, int inUse) => new()
    {
        FsPool = pool,
        Name = def.Name,
        Key = def.Key,
        Path = def.Path,
        Capacity = def.Capacity,
        Enforcement = def.Enforcement,
        Allocation = def.Allocation,
        Building = building,
        InUse = inUse,
    };

    private static string Size(ulong value, bool bytes) =>
        bytes ? value.ToString(CultureInfo.InvariantCulture) + " bytes" : PrettySize.Format(value);

    private static void Line(StringBuilder sb, string label, string value) =>
        sb.Append(label.PadRight(15)).Append(' ').Append(value).Append('\n');
}
