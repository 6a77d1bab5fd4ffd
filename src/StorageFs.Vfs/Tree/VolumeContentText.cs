using System.Text;
using StorageFs.Core.Driver;

namespace StorageFs.Vfs.Tree;

/// <summary>
/// The lines <c>vol/V/info</c> adds after virsh's: <c>Filesystem:</c>, <c>Mounted:</c> and,
/// for file volumes, <c>Backing:</c> (docs/TREE.md). Rendered at open only, like the rest of
/// info: a <c>stat</c> or <c>ls -l</c> never probes.
/// </summary>
internal static class VolumeContentText
{
    /// <summary>virsh's text with our lines inserted before its closing empty line.</summary>
    public static string Append(string virsh, VolumeInfo info, VolumeInspection? inspection)
    {
        if (inspection is null)
            return virsh;
        var sb = new StringBuilder(virsh.EndsWith("\n\n", StringComparison.Ordinal) ? virsh[..^1] : virsh);
        if (inspection.Content is { } c)
        {
            Line(sb, "Filesystem:", c.Filesystem ?? "not probed");
            Line(sb, "Mounted:", c.MountedText);
        }
        if (info.Type == Core.Model.VolumeType.File)
            Line(sb, "Backing:", inspection.Backing.Count == 0 ? "none" : string.Join(", backed by ", inspection.Backing));
        sb.Append('\n');
        return sb.ToString();
    }

    private static void Line(StringBuilder sb, string label, string value) =>
        sb.Append(label.PadRight(15)).Append(' ').Append(value).Append('\n');
}
