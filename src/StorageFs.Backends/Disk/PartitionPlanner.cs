using StorageFs.Core;
using StorageFs.Core.Backend;
using StorageFs.Interop;

namespace StorageFs.Backends.Disk;

/// <summary>
/// Places a new partition, after libvirt (<c>virStorageBackendDiskPartFormat</c>,
/// <c>virStorageBackendDiskPartTypeToCreate</c>, <c>virStorageBackendDiskPartBoundaries</c>):
/// on a DOS table, primary while fewer than four primary/extended slots are used, then logical
/// inside the extended partition; at most one extended partition; the smallest free region that
/// fits. One deliberate change: the start is aligned up to 1 MiB (parted's optimal alignment)
/// where libvirt aligns DOS partitions to 1980s cylinders and GPT ones not at all (parted then
/// warns "not properly aligned"). A logical partition leaves room for its EBR before it.
/// A capacity of 0 asks for the whole largest free region (StorageFs's own: a file created in
/// <c>volumes/</c> holds no size yet; the tree cuts the partition to the bytes written when the
/// file is closed). Where nothing fits the error carries ENOSPC and names the largest region.
/// </summary>
public static class PartitionPlanner
{
    /// <summary>Alignment of partition starts.</summary>
    public const ulong Alignment = 1 << 20;

    /// <summary>libvirt's parted file-system word for a DOS partition of volume format
    /// <paramref name="format"/> (<c>virStoragePartedFs</c>).</summary>
    public static string? PartedFileSystem(string? format) => (format ?? "none") switch
    {
        "none" or "linux" or "linux-lvm" or "linux-raid" => "ext2",
        "fat16" => "fat16",
        "fat32" => "fat32",
        "linux-swap" => "linux-swap",
        "extended" => "extended",
        _ => null,
    };

    /// <summary>Plans a partition of <paramref name="capacity"/> bytes and volume format
    /// <paramref name="format"/> on a disk whose table is <paramref name="table"/>, whose libvirt
    /// label is <paramref name="label"/> and whose extended partition (DOS) is
    /// <paramref name="extended"/>.</summary>
    /// <exception cref="StorageException">libvirt's messages: "extended partition already exists",
    /// "no extended partition found and no primary partition available", "no large enough free
    /// extent", "Invalid partition type".</exception>
    public static PartitionPlan Plan(PartedTable table, string label, int? extended, string? format, ulong capacity)
    {
        ArgumentNullException.ThrowIfNull(table);
        bool dos = label == "dos";
        var ext = extended is { } n ? table.Partitions.FirstOrDefault(p => p.Number == n) : null;
        PartitionKind kind;
        string type;
        if (!dos)
        {
            kind = PartitionKind.Primary;
            type = "primary";
        }
        else
        {
            var fs = PartedFileSystem(format) ?? throw StorageErrors.Internal("Invalid partition type");
            int slots = table.Partitions.Count(p => p.Number <= 4);
            if (format == "extended")
            {
                if (ext is not null)
                {
                    throw StorageErrors.Internal("extended partition already exists");
                }
                kind = PartitionKind.Extended;
                type = "extended";
            }
            else if (slots < 4)
            {
                kind = PartitionKind.Primary;
                type = "primary " + fs;
            }
            else
            {
                kind = ext is not null
                    ? PartitionKind.Logical
                    : throw StorageErrors.Internal("no extended partition found and no primary partition available");
                type = "logical " + fs;
            }
            if (kind != PartitionKind.Logical && slots >= 4)
            {
                throw StorageErrors.Internal("no extended partition found and no primary partition available");
            }
        }

        ulong sector = Math.Max(512u, table.SectorSize);
        ulong size = (capacity + sector - 1) / sector * sector;
        PartitionPlan? best = null;
        ulong bestRegion = 0;
        ulong largest = 0;
        foreach (var free in table.Free)
        {
            bool inside = ext is not null && free.Start >= ext.Start && free.End <= ext.End;
            if ((kind == PartitionKind.Logical) != inside)
            {
                continue;
            }
            ulong start = AlignUp(free.Start + (kind == PartitionKind.Logical ? sector : 0));
            if (start > free.End)
            {
                continue;
            }
            // Whole sectors from the aligned start to the region's end.
            ulong room = (free.End - start + 1) / sector * sector;
            largest = Math.Max(largest, room);
            if (room == 0 || room < size)
            {
                continue;
            }
            bool better = size == 0
                ? best is null || room > best.End - best.Start + 1
                : best is null || free.Size < bestRegion;
            if (better)
            {
                best = new PartitionPlan(kind, type, start, start + (size == 0 ? room : size) - 1, NextNumber(table, dos, kind));
                bestRegion = free.Size;
            }
        }
        return best ?? throw new StorageException(ErrorCode.InternalError,
            $"internal error: no large enough free extent (the largest free region holds {largest} bytes after alignment, {size} wanted)",
            osErrno: (int)Errno.ENOSPC);
    }

    // parted numbers GPT (and DOS primary) partitions with the lowest unused number, DOS logical
    // ones after the highest logical.
    private static int NextNumber(PartedTable table, bool dos, PartitionKind kind)
    {
        var used = table.Partitions.Select(p => p.Number).ToHashSet();
        if (dos && kind == PartitionKind.Logical)
        {
            return Math.Max(4, used.DefaultIfEmpty(0).Max()) + 1;
        }
        int n = 1;
        while (used.Contains(n))
        {
            n++;
        }
        return n;
    }

    private static ulong AlignUp(ulong offset) => (offset + Alignment - 1) / Alignment * Alignment;
}
