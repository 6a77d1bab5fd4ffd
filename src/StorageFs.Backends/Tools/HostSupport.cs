using StorageFs.Core.Model;

namespace StorageFs.Backends.Tools;

/// <summary>
/// Which pool types this host can run, from the tools on PATH and the kernel's features in
/// /proc and /sys, with the reason for each that cannot (or can only in part) — the facts a
/// <c>capabilities</c> file shows. Read fresh on each call.
/// </summary>
public static class HostSupport
{
    private static readonly (PoolType Type, string[] Tools)[] Needs =
    [
        (PoolType.Dir, []),
        (PoolType.Fs, ["mount", "umount", "mkfs", "blkid"]),
        (PoolType.NetFs, ["mount", "umount"]),
        (PoolType.Logical, ["pvcreate", "vgcreate", "vgchange", "vgremove", "pvremove", "lvcreate", "lvremove", "lvresize", "lvs", "vgs", "pvs", "blkid"]),
        (PoolType.Disk, ["parted", "blkid", "partx"]),
        (PoolType.Iscsi, ["iscsiadm"]),
        (PoolType.IscsiDirect, ["iscsi-ls", "iscsi-readcapacity16", "qemu-io"]),
        (PoolType.Scsi, []),
        (PoolType.Mpath, []),
        (PoolType.Gluster, ["mount", "mount.glusterfs"]),
    ];

    /// <summary>True when the kernel has device-mapper.</summary>
    public static bool HasDeviceMapper => Directory.Exists("/sys/class/misc/device-mapper");

    /// <summary>Every pool type StorageFs has a backend for, with its availability here.</summary>
    public static IReadOnlyList<BackendAvailability> Probe()
    {
        var list = new List<BackendAvailability>();
        var filesystems = File.Exists("/proc/filesystems") ? File.ReadAllText("/proc/filesystems") : "";
        foreach (var (type, tools) in Needs)
        {
            var missing = tools.Where(t => !OnPath(t)).ToList();
            var notes = new List<string>();
            if (missing.Count > 0)
            {
                notes.Add("missing tools: " + string.Join(", ", missing));
            }
            bool runnable = missing.Count == 0;
            switch (type)
            {
                case PoolType.Logical when !HasDeviceMapper:
                    notes.Add("no device-mapper in the kernel: volume groups and LVs are metadata only (--driverloaded n), LV data cannot be reached");
                    break;
                case PoolType.NetFs:
                    var kinds = new List<string>();
                    if (!filesystems.Contains("\tnfs", StringComparison.Ordinal))
                    {
                        kinds.Add("nfs (no NFS client in the kernel)");
                    }
                    if (!filesystems.Contains("\tcifs", StringComparison.Ordinal) && !filesystems.Contains("\tsmb3", StringComparison.Ordinal))
                    {
                        kinds.Add("cifs (no CIFS client in the kernel)");
                    }
                    if (!OnPath("mount.glusterfs") || !filesystems.Contains("\tfuse", StringComparison.Ordinal))
                    {
                        kinds.Add("glusterfs (no mount.glusterfs or no FUSE)");
                    }
                    if (kinds.Count > 0)
                    {
                        notes.Add("cannot mount " + string.Join(", ", kinds));
                    }
                    runnable &= kinds.Count < 3;
                    break;
                case PoolType.Iscsi when !Directory.Exists("/sys/class/iscsi_transport/tcp"):
                    notes.Add("no kernel iSCSI initiator (iscsi_tcp)");
                    runnable = false;
                    break;
                case PoolType.Scsi when !Directory.Exists("/sys/class/scsi_host"):
                    notes.Add("no SCSI hosts (/sys/class/scsi_host missing)");
                    runnable = false;
                    break;
                case PoolType.Mpath when !HasDeviceMapper:
                    notes.Add("no device-mapper in the kernel");
                    runnable = false;
                    break;
                case PoolType.Gluster when !filesystems.Contains("\tfuse", StringComparison.Ordinal):
                    notes.Add("no FUSE in the kernel");
                    runnable = false;
                    break;
            }
            list.Add(new BackendAvailability(type, runnable, string.Join("; ", notes)));
        }
        return list;
    }

    /// <summary>True when <paramref name="tool"/> is an executable file in a PATH directory
    /// (the sbin directories included, where storage tools live).</summary>
    public static bool OnPath(string tool)
    {
        ArgumentNullException.ThrowIfNull(tool);
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        var dirs = path.Split(':', StringSplitOptions.RemoveEmptyEntries).Concat(["/usr/sbin", "/sbin", "/usr/bin", "/bin"]).Distinct();
        return dirs.Any(d => File.Exists(Path.Combine(d, tool)) &&
            (File.GetUnixFileMode(Path.Combine(d, tool)) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0);
    }
}
