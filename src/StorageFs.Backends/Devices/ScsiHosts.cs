using System.Globalization;
using StorageFs.Core.Backend;
using StorageFs.Core.Model;

namespace StorageFs.Backends.Devices;

/// <summary>
/// Finds the SCSI host a scsi pool's adapter names (libvirt's <c>virStorageBackendSCSIGetHostNumber</c>,
/// <c>virSCSIHostFindByPCI</c>, <c>virVHBAGetHostByWWN</c>, src/util/virscsihost.c and
/// virvhba.c): <c>scsi_hostN</c>/<c>hostN</c> by name; a parent PCI address plus unique_id by
/// scanning /sys/class/scsi_host; an fc_host by its wwnn/wwpn in /sys/class/fc_host. vHBAs are
/// created and destroyed through the parent's vport_create/vport_delete ("wwpn:wwnn").
/// </summary>
public static class ScsiHosts
{
    /// <summary>The host number of the adapter, or null when no such host exists (yet).</summary>
    public static uint? Find(SysfsRoot root, StorageAdapter adapter)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(adapter);
        if (adapter.Type == AdapterType.FcHost)
        {
            return FindByWwn(root, adapter.Wwnn!, adapter.Wwpn!);
        }
        if (adapter.Name is { } name)
        {
            var n = Number(name);
            return Directory.Exists(root.SysPath("class", "scsi_host", "host" + n)) ? n : null;
        }
        if (adapter.ParentAddress is { } pci)
        {
            var address = string.Format(CultureInfo.InvariantCulture, "{0:x4}:{1:x2}:{2:x2}.{3:x}", pci.Domain, pci.Bus, pci.Slot, pci.Function);
            foreach (var host in Hosts(root, "scsi_host"))
            {
                var link = new DirectoryInfo(root.SysPath("class", "scsi_host", host)).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? "";
                var unique = root.ReadAttribute("class", "scsi_host", host, "unique_id");
                if (link.Contains("/" + address + "/", StringComparison.Ordinal) &&
                    unique == adapter.UniqueId.ToString(CultureInfo.InvariantCulture))
                {
                    return Number(host);
                }
            }
        }
        return null;
    }

    /// <summary>The fc_host whose node and port names are <paramref name="wwnn"/>/<paramref name="wwpn"/>.</summary>
    public static uint? FindByWwn(SysfsRoot root, string wwnn, string wwpn)
    {
        ArgumentNullException.ThrowIfNull(root);
        foreach (var host in Hosts(root, "fc_host"))
        {
            if (Same(root.ReadAttribute("class", "fc_host", host, "node_name"), wwnn) &&
                Same(root.ReadAttribute("class", "fc_host", host, "port_name"), wwpn))
            {
                return Number(host);
            }
        }
        return null;
    }

    /// <summary>The parent HBA of an fc_host adapter: <c>parent</c> by name, else the one with
    /// <c>parent_wwnn</c>/<c>parent_wwpn</c>, else one on <c>parent_fabric_wwn</c>, else the first
    /// vport-capable fc_host (libvirt's virVHBAFindVportHost).</summary>
    public static uint ParentOf(SysfsRoot root, StorageAdapter adapter)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(adapter);
        if (adapter.Parent is { } parent)
        {
            return Number(parent);
        }
        if (adapter.ParentWwnn is { } pwwnn && adapter.ParentWwpn is { } pwwpn)
        {
            return FindByWwn(root, pwwnn, pwwpn)
                ?? throw StorageErrors.OperationFailed($"no fc_host with wwnn '{pwwnn}' and wwpn '{pwwpn}'");
        }
        foreach (var host in Hosts(root, "fc_host"))
        {
            bool vports = root.ReadAttribute("class", "fc_host", host, "max_npiv_vports") is not (null or "0");
            bool online = root.ReadAttribute("class", "fc_host", host, "port_state") == "Online";
            bool fabric = adapter.ParentFabricWwn is not { } f || Same(root.ReadAttribute("class", "fc_host", host, "fabric_name"), f);
            if (vports && online && fabric)
            {
                return Number(host);
            }
        }
        throw StorageErrors.OperationFailed("no vport capable fc_host found to create the vHBA on");
    }

    /// <summary>Creates a vHBA on <paramref name="parent"/> ("wwpn:wwnn" into vport_create).</summary>
    public static void CreateVport(SysfsRoot root, uint parent, string wwnn, string wwpn) =>
        WriteVport(root, parent, "vport_create", wwnn, wwpn);

    /// <summary>Deletes a vHBA from <paramref name="parent"/>.</summary>
    public static void DeleteVport(SysfsRoot root, uint parent, string wwnn, string wwpn) =>
        WriteVport(root, parent, "vport_delete", wwnn, wwpn);

    /// <summary>"scsi_host5", "host5" → 5 (virSCSIHostGetNumber).</summary>
    public static uint Number(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var digits = name.StartsWith("scsi_host", StringComparison.Ordinal) ? name[9..]
            : name.StartsWith("host", StringComparison.Ordinal) ? name[4..] : name;
        return uint.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            ? n
            : throw StorageErrors.InvalidArg($"Invalid adapter name '{name}' for SCSI pool");
    }

    private static void WriteVport(SysfsRoot root, uint parent, string file, string wwnn, string wwpn)
    {
        var path = root.SysPath("class", "fc_host", "host" + parent.ToString(CultureInfo.InvariantCulture), file);
        try
        {
            File.WriteAllText(path, $"{Strip(wwpn)}:{Strip(wwnn)}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw StorageErrors.Io(e, $"Write of '{Strip(wwpn)}:{Strip(wwnn)}' to '{path}' during vport create/delete failed");
        }
    }

    private static IEnumerable<string> Hosts(SysfsRoot root, string cls)
    {
        var dir = root.SysPath("class", cls);
        return Directory.Exists(dir)
            ? Directory.EnumerateFileSystemEntries(dir).Select(p => Path.GetFileName(p)!).Order(StringComparer.Ordinal)
            : [];
    }

    private static bool Same(string? sysfs, string wwn) =>
        sysfs is not null && string.Equals(Strip(sysfs), Strip(wwn), StringComparison.OrdinalIgnoreCase);

    private static string Strip(string wwn) => wwn.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? wwn[2..] : wwn;
}
