using System.Globalization;
using System.Text.RegularExpressions;
using StorageFs.Core.Backend;
using StorageFs.Core.Model;
using StorageFs.Backends.HostTools;

namespace StorageFs.Backends.Devices;

/// <summary>
/// The LUNs of one SCSI host as volumes (libvirt's <c>virStorageBackendSCSIFindLUs</c> and
/// helpers, src/storage/storage_util.c), read from sysfs: every <c>H:B:T:L</c> entry of
/// /sys/bus/scsi/devices with H the host; only disks (type 0) and CD-ROMs (type 5) become
/// volumes, others (array controllers) are skipped; the block device is the entry of the LU's
/// <c>block/</c> directory (or an old-style <c>block:sdX</c> link). The volume's path is a stable
/// link to /dev/sdX in the pool's target directory (e.g. /dev/disk/by-path); with a target other
/// than /dev and no such link the LU is skipped, as libvirt does ("No stable path found").
/// Capacity comes from sysfs; the key is the LU's wwid (libvirt asks udev's scsi_id, absent
/// without udev) or else the path.
/// </summary>
public static partial class ScsiLunScanner
{
    /// <summary>Every disk/CD-ROM LU of SCSI host <paramref name="host"/>.</summary>
    public static IReadOnlyList<ScsiLun> Scan(SysfsRoot root, uint host)
    {
        ArgumentNullException.ThrowIfNull(root);
        var dir = root.SysPath("bus", "scsi", "devices");
        if (!Directory.Exists(dir))
        {
            return [];
        }
        var luns = new List<ScsiLun>();
        foreach (var entry in Directory.EnumerateFileSystemEntries(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal))
        {
            var m = Address().Match(entry!);
            if (!m.Success || Num(m, 1) != host)
            {
                continue;
            }
            var type = root.ReadAttribute("bus", "scsi", "devices", entry!, "type");
            if (!int.TryParse(type, NumberStyles.None, CultureInfo.InvariantCulture, out var deviceType) || deviceType is not (0 or 5))
            {
                continue;
            }
            var (block, sizePath) = BlockDevice(Path.Combine(dir, entry!));
            if (block is null)
            {
                continue;
            }
            ulong sectors = ulong.TryParse(File.Exists(sizePath) ? File.ReadAllText(sizePath!).Trim() : null,
                NumberStyles.None, CultureInfo.InvariantCulture, out var s) ? s : 0;
            luns.Add(new ScsiLun(host, Num(m, 2), Num(m, 3), Num(m, 4), deviceType, block, sectors * 512,
                root.ReadAttribute("bus", "scsi", "devices", entry!, "wwid")));
        }
        return luns;
    }

    /// <summary>Volumes for the LUs of <paramref name="host"/>, with problems for those skipped.</summary>
    public static List<VolumeDefinition> Volumes(SysfsRoot root, PoolDefinition pool, uint host, List<string> problems)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(problems);
        var volumes = new List<VolumeDefinition>();
        foreach (var lun in Scan(root, host))
        {
            var node = root.DevPath(lun.BlockDevice);
            var stable = StablePath(root, pool.Target.Path ?? "/dev", node);
            if (stable is null)
            {
                problems.Add($"No stable path found for '/dev/{lun.BlockDevice}' in '{pool.Target.Path}'");
                continue;
            }
            var path = root.Reported(stable);
            var vol = new VolumeDefinition
            {
                Name = lun.VolumeName,
                Type = VolumeType.Block,
                Key = lun.Wwid ?? path,
                Capacity = lun.Capacity,
                Allocation = lun.Capacity,
            };
            vol.Target.Path = path;
            if (LocalNative.Stat(stable, noFollow: false) is { IsBlockDevice: true } st)
            {
                vol.Target.Permissions = new StoragePermissions { Mode = st.Permissions, Owner = st.Uid, Group = st.Gid };
                vol.Target.Timestamps = st.Times;
            }
            volumes.Add(vol);
        }
        return volumes;
    }

    /// <summary>Writes "- - -" to the host's scan file (virStorageBackendSCSITriggerRescan).</summary>
    public static void Rescan(SysfsRoot root, uint host)
    {
        ArgumentNullException.ThrowIfNull(root);
        var path = root.SysPath("class", "scsi_host", "host" + host.ToString(CultureInfo.InvariantCulture), "scan");
        try
        {
            File.WriteAllText(path, "- - -");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw StorageErrors.Io(e, $"Could not open '{path}' to trigger host scan");
        }
    }

    // virStorageBackendStablePath: the node itself when the pool's target is /dev, else a link in
    // the target directory resolving to the node.
    private static string? StablePath(SysfsRoot root, string target, string node)
    {
        if (target is "/dev" or "/dev/")
        {
            return node;
        }
        var dir = root.Root == "/" ? target : Path.Combine(root.Root, target.TrimStart('/'));
        if (!Directory.Exists(dir))
        {
            return null;
        }
        foreach (var link in Directory.EnumerateFileSystemEntries(dir).Order(StringComparer.Ordinal))
        {
            try
            {
                var resolved = new FileInfo(link).ResolveLinkTarget(returnFinalTarget: true)?.FullName;
                if (resolved == Path.GetFullPath(node))
                {
                    return link;
                }
            }
            catch (IOException)
            {
            }
        }
        return null;
    }

    // New style: LU/block/sdX/ ; old style: LU/block:sdX.
    private static (string? Name, string? SizePath) BlockDevice(string lu)
    {
        var block = Path.Combine(lu, "block");
        if (Directory.Exists(block))
        {
            var name = Directory.EnumerateFileSystemEntries(block).Select(Path.GetFileName).Order(StringComparer.Ordinal).FirstOrDefault();
            return name is null ? (null, null) : (name, Path.Combine(block, name, "size"));
        }
        var old = Directory.EnumerateFileSystemEntries(lu, "block:*").Order(StringComparer.Ordinal).FirstOrDefault();
        return old is null ? (null, null) : (Path.GetFileName(old)["block:".Length..], Path.Combine(old, "size"));
    }

    private static uint Num(Match m, int group) => uint.Parse(m.Groups[group].Value, CultureInfo.InvariantCulture);

    [GeneratedRegex("^([0-9]+):([0-9]+):([0-9]+):([0-9]+)$")]
    private static partial Regex Address();
}
