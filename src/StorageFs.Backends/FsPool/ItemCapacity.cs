using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using StorageFs.Backends.HostTools;
using StorageFs.Core.Backend;
using StorageFs.Interop;

namespace StorageFs.Backends.FsPool;

/// <summary>
/// An item's capacity: kept with the item itself, in the extended attribute
/// <c>trusted.storagefs.capacity</c> of its directory (decimal bytes; only a process with
/// CAP_SYS_ADMIN may set or remove a <c>trusted.*</c> attribute, so the item's owner cannot
/// change it), so it survives restarts and a redefinition of the fspool; and enforced as a
/// project quota where the filesystem has one: the item gets a project id of its own, set with
/// FS_IOC_FSSETXATTR together with the inherit flag (everything made inside it is charged to
/// that project), and the project's hard and soft block limits are set to the capacity with
/// Q_XSETQLIM, both through descriptors (<see cref="QuotaNative"/>). xfs and ext4 enforce
/// project quotas when mounted with <c>prjquota</c> (ext4 also needs <c>mkfs.ext4 -O
/// project,quota</c>); anywhere else the capacity is kept but not enforced, and
/// <see cref="Describe"/> says why, in one sentence.
/// </summary>
internal static class ItemCapacity
{
    /// <summary>Where the capacity is kept.</summary>
    public const string Attribute = "trusted.storagefs.capacity";

    private const ulong BlockBytes = 512;

    /// <summary>Keeps <paramref name="capacity"/> on the item <paramref name="dir"/> (opened for
    /// reading) and enforces it where the filesystem can; returns the enforcement sentence.
    /// A capacity of 0 sets nothing.</summary>
    public static string Apply(SafeFileHandle dir, ulong capacity, string path)
    {
        if (capacity == 0)
        {
            return NoCapacity;
        }
        int err = QuotaNative.SetXattr(dir, Attribute, capacity.ToString(CultureInfo.InvariantCulture));
        string? unkept = null;
        if (err == (int)Errno.EOPNOTSUPP)
        {
            // A filesystem without (trusted) extended attributes: the item is still made, and
            // says that its capacity lasts only until the daemon restarts.
            unkept = $"; nor kept across a restart of the daemon: the filesystem has no extended attributes ({Attribute})";
        }
        else if (err != 0)
        {
            throw StorageErrors.System(err, $"cannot record the capacity of item '{path}' (extended attribute {Attribute})");
        }
        if (WhyNotEnforceable(dir) is { } why)
        {
            return "not enforced: " + why + unkept;
        }
        uint id = ChooseProject(dir, path);
        err = QuotaNative.GetAttributes(dir, out var attr);
        if (err == 0)
        {
            attr.ProjectId = id;
            attr.XFlags |= QuotaNative.ProjectInherit;
            err = QuotaNative.SetAttributes(dir, attr);
        }
        if (err != 0)
        {
            throw StorageErrors.System(err, $"cannot give item '{path}' project quota id {id}");
        }
        err = QuotaNative.SetProjectBlockLimit(dir, id, (capacity + BlockBytes - 1) / BlockBytes);
        if (err != 0)
        {
            throw StorageErrors.System(err, $"cannot set the project quota of item '{path}' (project {id}) to {capacity} bytes");
        }
        return Enforced(dir, id, capacity);
    }

    /// <summary>The capacity kept with the item (the enforced limit when a project quota holds
    /// one, else the attribute; 0 when neither) and the enforcement sentence.</summary>
    public static (ulong Capacity, string Enforcement) Describe(SafeFileHandle dir)
    {
        ulong kept = 0;
        if (QuotaNative.GetXattr(dir, Attribute, out var text) == 0)
        {
            ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out kept);
        }
        if (QuotaNative.GetAttributes(dir, out var attr) == 0 && attr.ProjectId != 0 && WhyNotEnforceable(dir) is null &&
            QuotaNative.GetProjectQuota(dir, attr.ProjectId, out var quota) == 0 && quota.BlockHardLimit != 0)
        {
            ulong limit = quota.BlockHardLimit * BlockBytes;
            return (limit, Enforced(dir, attr.ProjectId, limit));
        }
        if (kept == 0)
        {
            return (0, NoCapacity);
        }
        return (kept, "not enforced: " + (WhyNotEnforceable(dir) ?? $"the item has no project quota of its own (it was not made by StorageFs on this filesystem)"));
    }

    private const string NoCapacity = "not enforced: no capacity was given when the item was made";

    private static string Enforced(SafeFileHandle dir, uint id, ulong bytes) =>
        string.Create(CultureInfo.InvariantCulture, $"enforced: {FsName(dir)} project quota {id}, hard limit {bytes} bytes");

    /// <summary>Null when the filesystem holding <paramref name="dir"/> enforces project quotas now; else why not.</summary>
    public static string? WhyNotEnforceable(SafeFileHandle dir)
    {
        int err = QuotaNative.FileSystemType(dir, out uint magic);
        if (err != 0)
        {
            return $"cannot tell the filesystem's type ({Marshal.GetPInvokeErrorMessage(err)})";
        }
        string fs = Name(magic);
        if (magic is not (QuotaNative.XfsMagic or QuotaNative.Ext4Magic))
        {
            return $"the pool's filesystem ({fs}) has no project quotas; StorageFs enforces a capacity on xfs and ext4 mounted with prjquota";
        }
        err = QuotaNative.ProjectQuotaState(dir, out ushort flags);
        if (err == (int)Errno.ENOSYS)
        {
            return magic == QuotaNative.XfsMagic
                ? "this kernel has no quota support for xfs (built without CONFIG_XFS_QUOTA: quotactl answers ENOSYS), so xfs cannot be mounted with prjquota here"
                : "this ext4 mount has no quotas (quotactl answers ENOSYS): make it with mkfs.ext4 -O project,quota and mount it with -o prjquota, on a kernel with CONFIG_QUOTA and CONFIG_QFMT_V2";
        }
        if (err == (int)Errno.ESRCH || // quotactl: quotas are not turned on
            (err == 0 && (flags & QuotaNative.ProjectEnforced) == 0))
        {
            return magic == QuotaNative.XfsMagic
                ? "project quotas are not enforced on this xfs mount (mount it with -o prjquota)"
                : "project quotas are not enforced on this ext4 mount (make it with mkfs.ext4 -O project,quota and mount it with -o prjquota)";
        }
        if (err != 0)
        {
            return $"quotactl on this {fs} mount failed: {Marshal.GetPInvokeErrorMessage(err)}";
        }
        return null;
    }

    // A project id no other directory uses: the item's inode number (unique on the filesystem
    // while the item exists) folded to 32 bits, moving on past ids whose quota holds usage or
    // limits (another project, or an earlier item's left-over limits).
    private static uint ChooseProject(SafeFileHandle dir, string path)
    {
        var st = LocalNative.Stat(dir, path);
        uint id = (uint)(st.Inode ^ (st.Inode >> 32));
        for (int tries = 0; tries < 4096; tries++, id++)
        {
            if (id == 0)
            {
                continue;
            }
            int err = QuotaNative.GetProjectQuota(dir, id, out var q);
            if (err == (int)Errno.ENOENT || (err == 0 && q.BlockCount == 0 && q.InodeCount == 0 && q.BlockHardLimit == 0 && q.BlockSoftLimit == 0 &&
                q.InodeHardLimit == 0 && q.InodeSoftLimit == 0))
            {
                return id;
            }
            if (err != 0)
            {
                throw StorageErrors.System(err, $"cannot read project quota {id} for item '{path}'");
            }
        }
        throw StorageErrors.Internal($"no free project quota id near inode {st.Inode} for item '{path}'");
    }

    private static string FsName(SafeFileHandle dir) => QuotaNative.FileSystemType(dir, out uint magic) == 0 ? Name(magic) : "?";

    private static string Name(uint magic) => magic switch
    {
        QuotaNative.XfsMagic => "xfs",
        QuotaNative.Ext4Magic => "ext4",
        0x01021994 => "tmpfs",
        0x9123683E => "btrfs",
        0x6969 => "nfs",
        0x65735546 => "fuse",
        0x794C7630 => "overlayfs",
        0x2FC12FC1 => "zfs",
        _ => string.Create(CultureInfo.InvariantCulture, $"type 0x{magic:x}"),
    };
}
