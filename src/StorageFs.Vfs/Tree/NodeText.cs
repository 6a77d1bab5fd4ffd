using System.Globalization;
using System.Text;
using StorageFs.Core.Driver;

namespace StorageFs.Vfs.Tree;

/// <summary>
/// <c>/storage/node</c> (docs/TREE.md): what this host offers for storage, in virsh's
/// <c>Label: value</c> layout (labels padded to 15 columns), one block per fact group separated
/// by empty lines: the host's tools, then each allowed directory, then each volume group.
/// </summary>
internal static class NodeText
{
    public static string Render(StorageDriver d)
    {
        var node = d.DescribeNode();
        if (node is null)
            return "Inventory:      not available (the daemon runs without host tools)\n";
        var sb = new StringBuilder();
        Line(sb, "Mkfs:", node.Mkfs.Count == 0 ? "none" : string.Join(' ', node.Mkfs));
        Line(sb, "Compressors:", node.Compressors.Count == 0 ? "none" : string.Join(' ', node.Compressors));
        Line(sb, "Volume groups:", node.VolumeGroupsNote is { } why ? "unknown: " + why
            : node.VolumeGroups.Count == 0 ? "none" : string.Join(' ', node.VolumeGroups.Select(g => g.Name)));
        foreach (var dir in node.Directories)
        {
            sb.Append('\n');
            Line(sb, "Directory:", dir.Path);
            if (dir.Note is { } note)
            {
                Line(sb, "Error:", note);
                continue;
            }
            Line(sb, "Filesystem:", dir.Filesystem ?? "unknown");
            Line(sb, "Capacity:", Bytes(dir.Capacity));
            Line(sb, "Available:", Bytes(dir.Available));
            Line(sb, "Reflink:", dir.Reflink ? "yes" : "no");
        }
        foreach (var vg in node.VolumeGroups)
        {
            sb.Append('\n');
            Line(sb, "Volume group:", vg.Name);
            Line(sb, "Capacity:", Bytes(vg.Capacity));
            Line(sb, "Available:", Bytes(vg.Available));
        }
        return sb.ToString();
    }

    private static string Bytes(ulong n) => n.ToString(CultureInfo.InvariantCulture) + " bytes";

    private static void Line(StringBuilder sb, string label, string value) =>
        sb.Append(label.PadRight(15)).Append(' ').Append(value).Append('\n');
}
