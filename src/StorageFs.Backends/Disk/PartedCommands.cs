using System.Globalization;

namespace StorageFs.Backends.Disk;

/// <summary>
/// parted command lines of libvirt's disk backend (src/storage/storage_backend_disk.c), plus
/// the listing that replaces libvirt_parthelper. parted writes the table and tells the kernel
/// about each partition with BLKPG itself, which is what makes <c>loopNpM</c> nodes appear on a
/// kernel without partition-table parsers.
/// </summary>
public static class PartedCommands
{
    /// <summary>Build: <c>parted DEV mklabel --script FMT</c>.</summary>
    public static IReadOnlyList<string> MkLabel(string device, string label) => ["parted", device, "mklabel", "--script", label];

    /// <summary>Volume create: <c>parted DEV mkpart --script TYPE STARTB ENDB</c>; TYPE is one word
    /// such as "primary" or "primary ext2" (parted splits it itself), END inclusive.</summary>
    public static IReadOnlyList<string> MkPart(string device, string type, ulong start, ulong end) =>
        ["parted", device, "mkpart", "--script", type, Bytes(start), Bytes(end)];

    /// <summary>Volume delete: <c>parted DEV rm --script N</c>.</summary>
    public static IReadOnlyList<string> Rm(string device, int number) =>
        ["parted", device, "rm", "--script", number.ToString(CultureInfo.InvariantCulture)];

    /// <summary>Volume resize: <c>parted -s DEV unit B resizepart N ENDB</c> (END inclusive). parted
    /// 3.5 in script mode refuses every shrink ("Shrinking a partition can cause data loss"), so a
    /// shrink runs <c>parted ---pretend-input-tty DEV unit B resizepart N ENDB</c> with "Yes" on
    /// its standard input (<see cref="ShrinkAnswer"/>). parted tells the kernel with
    /// BLKPG_RESIZE_PARTITION, which works while the partition is open.</summary>
    public static IReadOnlyList<string> ResizePart(string device, int number, ulong end, bool shrink) =>
        shrink
            ? ["parted", "---pretend-input-tty", device, "unit", "B", "resizepart", number.ToString(CultureInfo.InvariantCulture), Bytes(end)]
            : ["parted", "-s", device, "unit", "B", "resizepart", number.ToString(CultureInfo.InvariantCulture), Bytes(end)];

    /// <summary>What a shrinking <see cref="ResizePart"/> reads on its standard input.</summary>
    public const string ShrinkAnswer = "Yes\n";

    /// <summary>Refresh: <c>parted -s -m DEV unit B print free</c>.</summary>
    public static IReadOnlyList<string> Print(string device) => ["parted", "-s", "-m", device, "unit", "B", "print", "free"];

    private static string Bytes(ulong n) => n.ToString(CultureInfo.InvariantCulture) + "B";
}
