namespace StorageFs.Backends.Tests.Fixtures;

/// <summary>Why a device test cannot run here, or null when it can.</summary>
internal static class DeviceRequirements
{
    private static readonly Dictionary<string, string> Packages = new(StringComparer.Ordinal)
    {
        ["parted"] = "parted",
        ["partx"] = "util-linux",
        ["ss"] = "iproute2",
        ["unshare"] = "util-linux",
        ["nsenter"] = "util-linux",
        ["mkfs.ext4"] = "e2fsprogs",
        ["mkfs.ext3"] = "e2fsprogs",
        ["filefrag"] = "e2fsprogs",
        ["mkfs.xfs"] = "xfsprogs",
        ["mkfs.btrfs"] = "btrfs-progs",
        ["mkfs.vfat"] = "dosfstools",
        ["pvcreate"] = "lvm2",
        ["qemu-img"] = "qemu-utils",
        ["tgtd"] = "tgt",
        ["tgtadm"] = "tgt",
        ["iscsi-ls"] = "libiscsi-bin",
        ["iscsi-readcapacity16"] = "libiscsi-bin",
        ["glusterd"] = "glusterfs-server",
        ["gluster"] = "glusterfs-server",
        ["mount.glusterfs"] = "glusterfs-client",
    };

    public static string? Missing(IEnumerable<string> tools)
    {
        if (Environment.UserName != "root")
        {
            return $"needs root to attach loop devices, mount and run storage tools (running as '{Environment.UserName}')";
        }
        if (!File.Exists("/dev/loop-control"))
        {
            return "needs loop devices: /dev/loop-control is missing (kernel without CONFIG_BLK_DEV_LOOP)";
        }
        var missing = tools.Where(t => !Sh.Has(t)).ToList();
        if (missing.Count == 0)
        {
            return null;
        }
        var packages = missing.Select(t => Packages.GetValueOrDefault(t, t)).Distinct();
        return $"needs {string.Join(", ", missing)} on PATH (apt-get install {string.Join(' ', packages)})";
    }
}
