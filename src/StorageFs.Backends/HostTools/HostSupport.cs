using StorageFs.Core.Backend;
using StorageFs.Core.Model;

namespace StorageFs.Backends.HostTools;

/// <summary>
/// Which pool types this host can run, from the tools on PATH and the kernel's features in
/// /proc and /sys, with the reason for each that cannot (or can only in part) — what each
/// backend's <see cref="IPoolBackend.Availability()"/> answers, what <c>capabilities</c> shows
/// and what the driver checks before a build or start. Read fresh on each call.
/// </summary>
public static class HostSupport
{
    /// <summary>Every pool type StorageFs has a backend for, in registry order.</summary>
    public static IReadOnlyList<PoolType> Types { get; } =
    [
        PoolType.Dir, PoolType.Fs, PoolType.NetFs, PoolType.Logical, PoolType.Disk, PoolType.Iscsi,
        PoolType.IscsiDirect, PoolType.Scsi, PoolType.Mpath, PoolType.Gluster,
    ];

    // The programs each backend runs (the argv builders' first words), with their Debian package.
    private static readonly Dictionary<PoolType, string[]> Tools = new()
    {
        [PoolType.Dir] = [],
        [PoolType.Fs] = ["mount", "umount", "mkfs", "blkid"],
        [PoolType.NetFs] = ["mount", "umount"],
        [PoolType.Logical] = ["pvcreate", "vgcreate", "vgchange", "vgremove", "pvremove", "lvcreate", "lvremove", "lvresize", "lvs", "vgs", "pvs", "blkid"],
        [PoolType.Disk] = ["parted", "blkid", "partx"],
        [PoolType.Iscsi] = ["iscsiadm"],
        [PoolType.IscsiDirect] = ["iscsi-ls", "iscsi-readcapacity16", "qemu-io"],
        [PoolType.Scsi] = [],
        [PoolType.Mpath] = [],
        [PoolType.Gluster] = ["mount", "umount", "mount.glusterfs"],
    };

    private static readonly Dictionary<string, string> Packages = new(StringComparer.Ordinal)
    {
        ["mount"] = "mount", ["umount"] = "mount", ["mkfs"] = "util-linux", ["blkid"] = "util-linux", ["partx"] = "util-linux",
        ["parted"] = "parted", ["iscsiadm"] = "open-iscsi", ["iscsi-ls"] = "libiscsi-bin", ["iscsi-readcapacity16"] = "libiscsi-bin",
        ["qemu-io"] = "qemu-utils", ["mount.glusterfs"] = "glusterfs-client",
    };

    /// <summary>True when the kernel has device-mapper.</summary>
    public static bool HasDeviceMapper => Directory.Exists("/sys/class/misc/device-mapper");

    /// <summary>Every pool type StorageFs has a backend for, with its availability here.</summary>
    public static IReadOnlyList<BackendAvailability> Probe() => Probe(HostFacts.Current());

    /// <summary>Every pool type with its availability on a host with <paramref name="facts"/>.</summary>
    public static IReadOnlyList<BackendAvailability> Probe(HostFacts facts) => [.. Types.Select(t => For(t, facts))];

    /// <summary>The availability of <paramref name="type"/> here.</summary>
    public static BackendAvailability For(PoolType type) => For(type, HostFacts.Current());

    /// <summary>The availability of <paramref name="type"/> on a host with <paramref name="facts"/>.</summary>
    public static BackendAvailability For(PoolType type, HostFacts facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        var missing = MissingTools(type, facts);
        var notes = new List<string>();
        if (missing.Length > 0)
        {
            notes.Add(missing);
        }
        bool runnable = missing.Length == 0;
        switch (type)
        {
            case PoolType.Logical when !facts.HasPath("/sys/class/misc/device-mapper"):
                // Runnable in part: the metadata commands work with activation off.
                notes.Add("no device-mapper in the kernel (/sys/class/misc/device-mapper is missing): LVM runs with activation off " +
                          "(driverloaded n), so volume groups and LVs are metadata only and LV data (wipe, upload, download, clone) cannot be reached");
                break;
            case PoolType.NetFs:
                var kinds = NetFsKinds.Select(k => NetFsProtocol(k, facts)).Where(r => r.Length > 0).ToList();
                if (kinds.Count > 0)
                {
                    notes.Add("cannot mount " + string.Join(", ", kinds));
                }
                runnable &= kinds.Count < NetFsKinds.Length;
                break;
            case PoolType.Iscsi when !facts.HasPath("/sys/class/iscsi_transport/tcp"):
                notes.Add("no kernel iSCSI initiator (iscsi_tcp): /sys/class/iscsi_transport/tcp is missing, iscsiadm cannot log in");
                runnable = false;
                break;
            case PoolType.Scsi when !facts.HasPath("/sys/class/scsi_host"):
                notes.Add("no SCSI hosts in the kernel (SCSI support): /sys/class/scsi_host is missing");
                runnable = false;
                break;
            case PoolType.Mpath when !facts.HasPath("/sys/class/misc/device-mapper"):
                notes.Add("no device-mapper in the kernel (dm-multipath): /sys/class/misc/device-mapper is missing");
                runnable = false;
                break;
            case PoolType.Gluster when !HasFileSystem(facts, "fuse"):
                notes.Add("no FUSE in the kernel: mount.glusterfs cannot mount the volume");
                runnable = false;
                break;
        }
        return new BackendAvailability(type, runnable, string.Join("; ", notes));
    }

    /// <summary>
    /// Whether a netfs pool of source format <paramref name="format"/> (nfs, glusterfs, cifs;
    /// auto or none: nfs, as libvirt mounts those) can be mounted here.
    /// </summary>
    public static BackendAvailability ForNetFs(string? format, HostFacts? facts = null)
    {
        facts ??= HostFacts.Current();
        var missing = MissingTools(PoolType.NetFs, facts);
        var kind = format is null or "auto" or "none" ? "nfs" : format;
        var reason = NetFsProtocol(kind, facts);
        var notes = new[] { missing, reason }.Where(r => r.Length > 0).ToList();
        return new BackendAvailability(PoolType.NetFs, notes.Count == 0, notes.Count == 0 ? "" : "cannot mount " + string.Join("; ", notes));
    }

    /// <summary>
    /// Whether an fs pool of source format <paramref name="format"/> can be mounted here: the
    /// tools, and the file system in /proc/filesystems (not checked for auto, which mount probes).
    /// </summary>
    public static BackendAvailability ForFs(string? format, HostFacts? facts = null)
    {
        facts ??= HostFacts.Current();
        var basic = For(PoolType.Fs, facts);
        if (!basic.Runnable || format is null or "auto")
        {
            return basic;
        }
        var kernelName = format == "hfs+" ? "hfsplus" : format;
        if (format is "ext2" or "ext3" && HasFileSystem(facts, "ext4"))
        {
            return basic; // the ext4 driver mounts ext2 and ext3
        }
        return HasFileSystem(facts, kernelName)
            ? basic
            : new BackendAvailability(PoolType.Fs, false, $"no '{format}' file system in the kernel ({kernelName} is not in /proc/filesystems)");
    }

    /// <summary>True when <paramref name="tool"/> is an executable file in a PATH directory
    /// (the sbin directories included, where storage tools live).</summary>
    public static bool OnPath(string tool) => Find(tool) is not null;

    /// <summary>The executable <paramref name="tool"/> names: itself when it contains a '/', else
    /// the first executable file of that name in a PATH directory or an sbin/bin directory —
    /// the same search <see cref="OnPath"/> answers, so what capabilities offers is what runs.
    /// Null when there is none.</summary>
    public static string? Find(string tool)
    {
        ArgumentNullException.ThrowIfNull(tool);
        if (tool.Contains('/'))
        {
            return IsExecutable(tool) ? tool : null;
        }
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        var dirs = path.Split(':', StringSplitOptions.RemoveEmptyEntries).Concat(["/usr/sbin", "/sbin", "/usr/bin", "/bin"]).Distinct();
        return dirs.Select(d => Path.Combine(d, tool)).FirstOrDefault(IsExecutable);
    }

    private static bool IsExecutable(string file) =>
        File.Exists(file) &&
        (File.GetUnixFileMode(file) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;

    private static readonly string[] NetFsKinds = ["nfs", "cifs", "glusterfs"];

    // Empty when the protocol can be mounted, else why not.
    private static string NetFsProtocol(string kind, HostFacts facts) => kind switch
    {
        "nfs" when !HasFileSystem(facts, "nfs") && !HasFileSystem(facts, "nfs4") => "nfs (no NFS client in the kernel: nfs is not in /proc/filesystems)",
        "cifs" when !HasFileSystem(facts, "cifs") && !HasFileSystem(facts, "smb3") => "cifs (no CIFS client in the kernel: cifs is not in /proc/filesystems)",
        "glusterfs" when !facts.HasTool("mount.glusterfs") => "glusterfs (mount.glusterfs missing, Debian package glusterfs-client)",
        "glusterfs" when !HasFileSystem(facts, "fuse") => "glusterfs (no FUSE in the kernel)",
        _ => "",
    };

    private static string MissingTools(PoolType type, HostFacts facts)
    {
        var missing = Tools[type].Where(t => !facts.HasTool(t)).ToList();
        if (missing.Count == 0)
        {
            return "";
        }
        var packages = missing.Select(t => Packages.GetValueOrDefault(t, "lvm2")).Distinct();
        return $"missing tools: {string.Join(", ", missing)} (Debian packages {string.Join(", ", packages)})";
    }

    private static bool HasFileSystem(HostFacts facts, string name) =>
        facts.FileSystems.Split('\n').Any(l => l.Split('\t') is [_, var fs] && fs.Trim() == name);
}
