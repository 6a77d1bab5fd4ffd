using System.Globalization;
using StorageFs.Core.Backend;
using StorageFs.Core.Model;

namespace StorageFs.Backends.Disk;

/// <summary>
/// Partition node names, as the kernel (and libvirt_parthelper) makes them: the disk's name,
/// then "p" when that name ends in a digit (loop0 → loop0p1, nvme0n1 → nvme0n1p1, sdb → sdb1)
/// or when the pool says <c>part_separator='yes'</c>; <c>part_separator='no'</c> drops it.
/// <see cref="NumberOf"/> inverts it, separator included — libvirt strips only the disk name
/// and so runs <c>parted rm p1</c> for loop0p1, which fails ("Partition doesn't exist").
/// </summary>
public static class PartitionNames
{
    /// <summary>The separator between disk name and partition number.</summary>
    public static string Separator(string device, TristateBool partSeparator) => partSeparator switch
    {
        TristateBool.Yes => "p",
        TristateBool.No => "",
        _ => device.Length > 0 && char.IsAsciiDigit(device[^1]) ? "p" : "",
    };

    /// <summary>The node of partition <paramref name="number"/>, e.g. /dev/loop0p1.</summary>
    public static string NodePath(string device, TristateBool partSeparator, int number) =>
        device + Separator(device, partSeparator) + number.ToString(CultureInfo.InvariantCulture);

    /// <summary>The partition number of the node <paramref name="volumePath"/> of
    /// <paramref name="device"/> (symlinks in the volume path resolved first).</summary>
    /// <exception cref="StorageException">The path is not a partition of that device.</exception>
    public static int NumberOf(string volumePath, string device, TristateBool partSeparator)
    {
        ArgumentNullException.ThrowIfNull(volumePath);
        ArgumentNullException.ThrowIfNull(device);
        var name = Path.GetFileName(Resolve(volumePath));
        var disk = Path.GetFileName(device);
        if (!name.StartsWith(disk, StringComparison.Ordinal))
        {
            throw StorageErrors.Internal($"Volume path '{name}' did not start with parent pool source device name.");
        }
        var rest = name[disk.Length..];
        var sep = Separator(disk, partSeparator);
        if (sep.Length > 0 && rest.StartsWith(sep, StringComparison.Ordinal))
        {
            rest = rest[sep.Length..];
        }
        return rest.Length > 0 && rest.All(char.IsAsciiDigit) &&
               int.TryParse(rest, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : throw StorageErrors.Internal($"cannot parse partition number from target '{name}'");
    }

    private static string Resolve(string path)
    {
        try
        {
            return new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? path;
        }
        catch (IOException)
        {
            return path;
        }
    }
}
