using System.Globalization;
using StorageFs.Core.Model;
using StorageFs.Backends.Devices;

namespace StorageFs.Backends.Mpath;

/// <summary>
/// The multipath maps of the host, read from sysfs instead of libdevmapper (libvirt's
/// <c>virStorageBackendGetMaps</c>, src/storage/storage_backend_mpath.c): every
/// /sys/block/dm-N whose dm/uuid starts with "mpath-" (multipathd names its maps so) is a
/// volume named <c>dm-N</c> (N the minor, as libvirt names it) with path and key
/// <c>/dev/mapper/NAME</c>, capacity from sysfs.
/// </summary>
public static class MultipathMaps
{
    /// <summary>The maps as volumes.</summary>
    public static List<VolumeDefinition> Volumes(SysfsRoot root)
    {
        ArgumentNullException.ThrowIfNull(root);
        var volumes = new List<VolumeDefinition>();
        var dir = root.SysPath("block");
        if (!Directory.Exists(dir))
        {
            return volumes;
        }
        foreach (var entry in Directory.EnumerateFileSystemEntries(dir, "dm-*").Select(p => Path.GetFileName(p)!).Order(StringComparer.Ordinal))
        {
            var uuid = root.ReadAttribute("block", entry, "dm", "uuid");
            var name = root.ReadAttribute("block", entry, "dm", "name");
            if (name is null || uuid is null || !uuid.StartsWith("mpath-", StringComparison.Ordinal))
            {
                continue;
            }
            var dev = root.ReadAttribute("block", entry, "dev")?.Split(':');
            var minor = dev is { Length: 2 } ? dev[1] : entry["dm-".Length..];
            ulong sectors = ulong.TryParse(root.ReadAttribute("block", entry, "size"), NumberStyles.None, CultureInfo.InvariantCulture, out var s) ? s : 0;
            var path = "/dev/mapper/" + name;
            var vol = new VolumeDefinition
            {
                Name = "dm-" + minor,
                Type = VolumeType.Block,
                Key = path,
                Capacity = sectors * 512,
                Allocation = sectors * 512,
            };
            vol.Target.Path = path;
            volumes.Add(vol);
        }
        return volumes;
    }
}
