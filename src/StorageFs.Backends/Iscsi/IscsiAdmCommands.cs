using System.Globalization;
using StorageFs.Core.Model;
using StorageFs.Backends.Devices;

namespace StorageFs.Backends.Iscsi;

/// <summary>
/// iscsiadm command lines of libvirt's iscsi pool (src/storage/storage_backend_iscsi.c and
/// src/util/viriscsi.c), exactly: portal <c>host:port,1</c> (IPv6 in brackets); node records,
/// CHAP settings, an iface carrying the pool's initiator IQN, sendtargets discovery, login,
/// logout, session listing and LUN rescan.
/// </summary>
public static class IscsiAdmCommands
{
    /// <summary>libvirt's portal string (virStorageBackendISCSIPortal).</summary>
    public static string Portal(PoolDefinition pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        var host = IscsiPortal.Host(pool);
        var name = host.Name.Contains(':', StringComparison.Ordinal) ? $"[{host.Name}]" : host.Name;
        int port = host.Port > 0 ? host.Port : IscsiPortal.DefaultPort;
        return $"{name}:{port.ToString(CultureInfo.InvariantCulture)},1";
    }

    /// <summary><c>iscsiadm --mode session</c>.</summary>
    public static IReadOnlyList<string> Sessions() => ["iscsiadm", "--mode", "session"];

    /// <summary><c>iscsiadm --mode node --portal P --targetname T --op new</c> (virISCSINodeNew).</summary>
    public static IReadOnlyList<string> NodeNew(string portal, string target) =>
        ["iscsiadm", "--mode", "node", "--portal", portal, "--targetname", target, "--op", "new"];

    /// <summary><c>iscsiadm --mode node --portal P --target T --op update --name N --value V</c> (virISCSINodeUpdate).</summary>
    public static IReadOnlyList<string> NodeUpdate(string portal, string target, string name, string value) =>
        ["iscsiadm", "--mode", "node", "--portal", portal, "--target", target, "--op", "update", "--name", name, "--value", value];

    /// <summary><c>iscsiadm --mode iface</c>: the ifaces and their initiator names.</summary>
    public static IReadOnlyList<string> Ifaces() => ["iscsiadm", "--mode", "iface"];

    /// <summary><c>iscsiadm --mode iface --interface NAME --op new</c>.</summary>
    public static IReadOnlyList<string> IfaceNew(string iface) => ["iscsiadm", "--mode", "iface", "--interface", iface, "--op", "new"];

    /// <summary>Sets the iface's initiator name.</summary>
    public static IReadOnlyList<string> IfaceSetInitiator(string iface, string initiator) =>
        ["iscsiadm", "--mode", "iface", "--interface", iface, "--op", "update", "--name", "iface.initiatorname", "--value", initiator];

    /// <summary><c>iscsiadm --mode discovery --type sendtargets --portal P --op nonpersistent</c>.</summary>
    public static IReadOnlyList<string> Discover(string portal) =>
        ["iscsiadm", "--mode", "discovery", "--type", "sendtargets", "--portal", portal, "--op", "nonpersistent"];

    /// <summary>Login (<paramref name="login"/>) or logout of the target, through <paramref name="iface"/> when given.</summary>
    public static IReadOnlyList<string> Connection(string portal, string target, bool login, string? iface)
    {
        var argv = new List<string> { "iscsiadm", "--mode", "node", "--portal", portal, "--targetname", target, login ? "--login" : "--logout" };
        if (iface is not null)
        {
            argv.AddRange(["--interface", iface]);
        }
        return argv;
    }

    /// <summary><c>iscsiadm --mode session -r S -R</c>: rescan the session's LUNs.</summary>
    public static IReadOnlyList<string> Rescan(string session) => ["iscsiadm", "--mode", "session", "-r", session, "-R"];

    /// <summary>The session id of <paramref name="target"/> in <c>iscsiadm --mode session</c>
    /// output ("tcp: [1] 192.168.122.170:3260,1 demo-tgt-b (non-flash)"), or null.</summary>
    public static string? SessionOf(string output, string target)
    {
        ArgumentNullException.ThrowIfNull(output);
        foreach (var line in output.Split('\n'))
        {
            var f = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (f.Length >= 4 && f[0] == "tcp:" && f[1].StartsWith('[') && f[1].EndsWith(']') && f[3] == target)
            {
                return f[1][1..^1];
            }
        }
        return null;
    }

    /// <summary>The iface whose initiator name is <paramref name="initiator"/> in
    /// <c>iscsiadm --mode iface</c> output ("NAME tcp,hw,ip,net,IQN"), or null.</summary>
    public static string? IfaceOf(string output, string initiator)
    {
        ArgumentNullException.ThrowIfNull(output);
        foreach (var line in output.Split('\n'))
        {
            int comma = line.LastIndexOf(',');
            int space = line.IndexOf(' ', StringComparison.Ordinal);
            if (comma > 0 && space > 0 && line[(comma + 1)..].Trim() == initiator)
            {
                return line[..space];
            }
        }
        return null;
    }
}
