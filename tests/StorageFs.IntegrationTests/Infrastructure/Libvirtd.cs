namespace StorageFs.IntegrationTests.Infrastructure;

/// <summary>
/// A throwaway libvirt 9.0 <c>libvirtd</c> to compare the tree's documents with: each
/// <see cref="Run"/> starts one in a private mount namespace (<c>unshare -m</c>) where fresh
/// tmpfs mounts hide <c>/run</c>, <c>/etc/libvirt</c>, <c>/var/lib/libvirt</c>,
/// <c>/var/cache/libvirt</c> and <c>/var/log/libvirt</c>, runs a script beside it (virsh over
/// <c>qemu:///system</c>; pools made with <c>pool-create-as</c>, transient), then kills it by
/// its PID. Nothing it writes outlives the namespace, nothing of the host's libvirt (if one
/// runs) is touched, and no daemon is left behind.
/// </summary>
public static class Libvirtd
{
    /// <summary>Why libvirtd cannot run here (Debian packages libvirt-daemon-system and
    /// libvirt-clients; the first makes the libvirt-qemu user libvirtd resolves at start), or null.</summary>
    public static string? Missing
    {
        get
        {
            if (!File.Exists("/usr/sbin/libvirtd") || !File.Exists("/usr/bin/virsh"))
                return "needs libvirtd and virsh (Debian packages libvirt-daemon-system, libvirt-clients)";
            if (!File.ReadLines("/etc/passwd").Any(l => l.StartsWith("libvirt-qemu:", StringComparison.Ordinal)))
                return "needs the libvirt-qemu user (Debian package libvirt-daemon-system)";
            return null;
        }
    }

    /// <summary>
    /// Runs <paramref name="script"/> (bash; <c>V</c> is <c>virsh -c qemu:///system</c>) while a
    /// private libvirtd answers; the result is the script's.
    /// </summary>
    public static ShellResult Run(string script, IReadOnlyDictionary<string, string>? environment = null, TimeSpan? timeout = null)
    {
        string wrapped = """
            set -euo pipefail
            for d in /run /etc/libvirt /var/lib/libvirt /var/cache/libvirt /var/log/libvirt; do
              if [ -d "$d" ]; then mount -t tmpfs -o mode=0755 sfs-libvirtd "$d"; fi
            done
            LIBVIRT_LOG_OUTPUTS="1:file:/dev/null" /usr/sbin/libvirtd >/dev/null 2>&1 &
            lvpid=$!
            trap 'kill $lvpid 2>/dev/null; wait $lvpid 2>/dev/null || true' EXIT
            V="virsh -q -c qemu:///system"
            for i in $(seq 200); do $V uri >/dev/null 2>&1 && break; sleep 0.05; done
            $V uri >/dev/null

            """ + script;
        string outer = "exec unshare -m --propagation private bash -c " + Quote(wrapped);
        return Shell.Run(outer, environment, null, timeout);
    }

    private static string Quote(string s) => "'" + s.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
