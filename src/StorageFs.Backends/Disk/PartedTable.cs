using System.Globalization;
using System.Text;
using StorageFs.Core.Backend;

namespace StorageFs.Backends.Disk;

/// <summary>
/// A disk's partition table as <c>parted -s -m DEV unit B print free</c> reports it (parted's
/// machine format: a "BYT;" line, a device line
/// <c>path:sizeB:transport:logical-sector:physical-sector:label:model:;</c>, then one line per
/// partition <c>number:startB:endB:sizeB:fs:name:flags;</c> or free region
/// <c>1:startB:endB:sizeB:free;</c>; colons inside fields are escaped with a backslash). This
/// replaces libvirt's libvirt_parthelper, which reads the same facts through libparted.
/// </summary>
/// <param name="Size">Device size in bytes.</param>
/// <param name="SectorSize">Logical sector size.</param>
/// <param name="Label">parted's label name: msdos, gpt, loop (no table, a bare file system), unknown…</param>
/// <param name="Partitions">Partitions, in disk order.</param>
/// <param name="Free">Free regions, in disk order.</param>
public sealed record PartedTable(ulong Size, uint SectorSize, string Label,
    IReadOnlyList<PartedRegion> Partitions, IReadOnlyList<PartedRegion> Free)
{
    /// <summary>Parses parted's machine output.</summary>
    /// <exception cref="StorageException">The text is not parted's machine format.</exception>
    public static PartedTable Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => l.EndsWith(';')).ToList();
        int header = lines.FindIndex(l => l == "BYT;");
        if (header < 0 || header + 1 >= lines.Count)
        {
            throw StorageErrors.Internal("cannot parse parted output: no device line");
        }
        var device = Fields(lines[header + 1]);
        if (device.Count < 6)
        {
            throw StorageErrors.Internal($"cannot parse parted device line '{lines[header + 1]}'");
        }
        var partitions = new List<PartedRegion>();
        var free = new List<PartedRegion>();
        foreach (var line in lines.Skip(header + 2))
        {
            var f = Fields(line);
            if (f.Count < 5)
            {
                continue;
            }
            var region = new PartedRegion(
                int.Parse(f[0], NumberStyles.None, CultureInfo.InvariantCulture), Bytes(f[1]), Bytes(f[2]),
                f[4], f.Count > 5 ? f[5] : "", f.Count > 6 ? f[6] : "");
            if (f[4] == "free" && f.Count == 5)
            {
                free.Add(region with { FileSystem = "" });
            }
            else
            {
                partitions.Add(region);
            }
        }
        return new PartedTable(Bytes(device[1]), uint.Parse(device[3], NumberStyles.None, CultureInfo.InvariantCulture),
            device[5], partitions, free);
    }

    /// <summary>libvirt's name for the label (<c>msdos</c> is <c>dos</c>); null when there is no
    /// partition table at all.</summary>
    public string? LibvirtLabel => Label switch
    {
        "msdos" => "dos",
        "unknown" or "loop" or "" => null,
        var other => other,
    };

    private static ulong Bytes(string field)
    {
        var digits = field.EndsWith('B') ? field[..^1] : field;
        return ulong.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            ? n
            : throw StorageErrors.Internal($"cannot parse parted size '{field}'");
    }

    // Splits "a:b\:c:d;" on unescaped colons, dropping the final ';'.
    private static List<string> Fields(string line)
    {
        var body = line[..^1];
        var fields = new List<string>();
        var current = new StringBuilder();
        for (int i = 0; i < body.Length; i++)
        {
            if (body[i] == '\\' && i + 1 < body.Length)
            {
                current.Append(body[++i]);
            }
            else if (body[i] == ':')
            {
                fields.Add(current.ToString());
                current.Clear();
            }
            else
            {
                current.Append(body[i]);
            }
        }
        fields.Add(current.ToString());
        return fields;
    }
}
