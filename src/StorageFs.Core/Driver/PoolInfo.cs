using System.Globalization;
using System.Text;
using StorageFs.Core.Persistence;
using StorageFs.Core.Units;

namespace StorageFs.Core.Driver;

/// <summary>
/// A snapshot of one pool or fspool: the fields of <c>virsh pool-info</c> plus what StorageFs
/// adds (type, busy marks, volume count, problems of the last refresh).
/// </summary>
public sealed record PoolInfo
{
    /// <summary>Storage pool or fspool.</summary>
    public required DefinitionKind Kind { get; init; }

    /// <summary>Name.</summary>
    public required string Name { get; init; }

    /// <summary>UUID.</summary>
    public required Guid Uuid { get; init; }

    /// <summary>Type as spelled in the XML ("dir", "fs", …).</summary>
    public required string Type { get; init; }

    /// <summary>State.</summary>
    public required PoolState State { get; init; }

    /// <summary>True while running or degraded.</summary>
    public bool IsActive => State is PoolState.Running or PoolState.Degraded;

    /// <summary>Has a stored definition (else transient).</summary>
    public required bool Persistent { get; init; }

    /// <summary>Starts when StorageFs first starts after a boot.</summary>
    public required bool Autostart { get; init; }

    /// <summary>Capacity in bytes (meaningful while active).</summary>
    public ulong Capacity { get; init; }

    /// <summary>Allocation in bytes (meaningful while active).</summary>
    public ulong Allocation { get; init; }

    /// <summary>Available bytes (meaningful while active).</summary>
    public ulong Available { get; init; }

    /// <summary>Target directory, when the pool has one.</summary>
    public string? TargetPath { get; init; }

    /// <summary>Number of volumes or items (0 while inactive).</summary>
    public int Children { get; init; }

    /// <summary>Volume jobs and open streams running in the pool.</summary>
    public int AsyncJobs { get; init; }

    /// <summary>What the last refresh could not read (why the pool is degraded).</summary>
    public IReadOnlyList<string> Problems { get; init; } = [];

    /// <summary>The state as virsh names it.</summary>
    public string StateName => State switch
    {
        PoolState.Inactive => "inactive",
        PoolState.Building => "building",
        PoolState.Running => "running",
        PoolState.Degraded => "degraded",
        _ => "inaccessible",
    };

    /// <summary>The text of <c>virsh pool-info [--bytes]</c> (tools/virsh-pool.c): labels
    /// padded to 15 columns, sizes only while running or degraded, a trailing empty line.</summary>
    public string ToVirshText(bool bytes = false)
    {
        var sb = new StringBuilder();
        Line(sb, "Name:", Name);
        Line(sb, "UUID:", Uuid.ToString("D", CultureInfo.InvariantCulture));
        Line(sb, "State:", StateName);
        Line(sb, "Persistent:", Persistent ? "yes" : "no");
        Line(sb, "Autostart:", Autostart ? "yes" : "no");
        if (IsActive)
        {
            Line(sb, "Capacity:", Size(Capacity, bytes));
            Line(sb, "Allocation:", Size(Allocation, bytes));
            Line(sb, "Available:", Size(Available, bytes));
        }
        sb.Append('\n');
        return sb.ToString();
    }

    private static string Size(ulong value, bool bytes) =>
        bytes ? value.ToString(CultureInfo.InvariantCulture) : PrettySize.Format(value);

    private static void Line(StringBuilder sb, string label, string value) =>
        sb.Append(label.PadRight(15)).Append(' ').Append(value).Append('\n');
}
