using System.Globalization;
using StorageFs.Core;
using StorageFs.Core.Backend;

namespace StorageFs.Backends.IscsiDirect;

/// <summary>
/// Parses libiscsi's <c>iscsi-ls -s</c> listing:
/// <code>
/// Target:iqn.2024-01.org.example:t1 Portal:127.0.0.1:3260,1
/// Lun:0    Type:STORAGE_ARRAY_CONTROLLER
/// Lun:1    Type:DIRECT_ACCESS (Size:127M)
/// </code>
/// iscsi-ls may exit 0 after a failed login (it prints "Failed to log in to target"), so a
/// failure line is an error whatever the exit status. Sizes here are rounded; exact ones come
/// from iscsi-readcapacity16 ("Total size:N").
/// </summary>
public static class IscsiLsOutput
{
    /// <summary>The LUNs listed under <paramref name="target"/>.</summary>
    /// <exception cref="StorageException">A login or listing failure, or the target is not there.</exception>
    public static IReadOnlyList<IscsiLun> LunsOf(string output, string target, string portal)
    {
        ArgumentNullException.ThrowIfNull(output);
        var failure = output.Split('\n').Select(l => l.Trim())
            .FirstOrDefault(l => l.Contains("Failed", StringComparison.Ordinal) || l.Contains("failed", StringComparison.Ordinal));
        if (failure is not null)
        {
            throw StorageErrors.OperationFailed($"iSCSI login to '{target}' at '{portal}' failed: {failure}");
        }
        var luns = new List<IscsiLun>();
        bool found = false, ours = false;
        foreach (var raw in output.Split('\n'))
        {
            var line = raw.Trim();
            if (line.StartsWith("Target:", StringComparison.Ordinal))
            {
                var name = line["Target:".Length..].Split(' ', 2)[0];
                ours = name == target;
                found |= ours;
            }
            else if (ours && line.StartsWith("Lun:", StringComparison.Ordinal))
            {
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                var type = fields.FirstOrDefault(f => f.StartsWith("Type:", StringComparison.Ordinal))?["Type:".Length..] ?? "";
                if (int.TryParse(fields[0]["Lun:".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var lun))
                {
                    luns.Add(new IscsiLun(lun, type));
                }
            }
        }
        return found
            ? luns
            : throw StorageErrors.OperationFailed($"iSCSI target '{target}' not found at portal '{portal}'");
    }

    /// <summary>The exact size in bytes from <c>iscsi-readcapacity16</c> output.</summary>
    public static ulong TotalSize(string output)
    {
        ArgumentNullException.ThrowIfNull(output);
        foreach (var raw in output.Split('\n'))
        {
            var line = raw.Trim();
            if (line.StartsWith("Total size:", StringComparison.Ordinal) &&
                ulong.TryParse(line["Total size:".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var size))
            {
                return size;
            }
        }
        throw StorageErrors.Internal($"cannot read the LUN size from iscsi-readcapacity16 output: {output.Trim()}");
    }
}
