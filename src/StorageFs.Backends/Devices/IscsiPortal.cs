using System.Globalization;
using StorageFs.Core.Backend;
using StorageFs.Core.Model;

namespace StorageFs.Backends.Devices;

/// <summary>
/// The iSCSI portal and names of a pool (libvirt's <c>virStorageBackendISCSIPortal</c> and
/// <c>virISCSIDirectVolumeNameAndPath</c>): <c>host:port</c> with the default port 3260 and IPv6
/// hosts in brackets; a LUN's volume name <c>unit:0:0:LUN</c> and path
/// <c>ip-HOST:PORT-iscsi-IQN-lun-LUN</c>.
/// </summary>
public static class IscsiPortal
{
    /// <summary>The IANA iSCSI port.</summary>
    public const int DefaultPort = 3260;

    /// <summary>The single host of an iSCSI pool.</summary>
    public static PoolSourceHost Host(PoolDefinition pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        return pool.Source.Hosts.Count == 1
            ? pool.Source.Hosts[0]
            : throw StorageErrors.ConfigUnsupported("Expected exactly 1 host for the storage pool");
    }

    /// <summary>"host:port" (IPv6: "[addr]:port").</summary>
    public static string Of(PoolDefinition pool)
    {
        var host = Host(pool);
        var name = host.Name.Contains(':', StringComparison.Ordinal) ? $"[{host.Name}]" : host.Name;
        return name + ":" + (host.Port > 0 ? host.Port : DefaultPort).ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>The target IQN (the pool's source device path).</summary>
    public static string Target(PoolDefinition pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        return pool.Source.Devices.Count > 0 && pool.Source.Devices[0].Path.Length > 0
            ? pool.Source.Devices[0].Path
            : throw StorageErrors.ConfigUnsupported("missing source device");
    }

    /// <summary>libvirt's volume name of a LUN.</summary>
    public static string VolumeName(int lun) => "unit:0:0:" + lun.ToString(CultureInfo.InvariantCulture);

    /// <summary>libvirt's volume path (and key) of a LUN.</summary>
    public static string VolumePath(string portal, string target, int lun) =>
        $"ip-{portal}-iscsi-{target}-lun-{lun.ToString(CultureInfo.InvariantCulture)}";
}
