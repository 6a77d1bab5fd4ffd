using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using StorageFs.Interop;

namespace StorageFs.Backends.FsPool;

/// <summary>
/// Project-quota calls on a descriptor of a directory (the bindings are
/// <see cref="Libc"/>'s): the filesystem's type, a directory's project id and inherit flag,
/// quotactl_fd with the XFS-style commands, which the kernel also serves for ext4's quota
/// (fs/quota/quota.c turns Q_XGETQSTATV, Q_XGETQUOTA and Q_XSETQLIM into the superblock's
/// get_state, get_dqblk and set_dqblk), and the item's capacity attribute. Each call returns
/// the errno, 0 on success.
/// </summary>
internal static class QuotaNative
{
    public const uint XfsMagic = 0x58465342;
    public const uint Ext4Magic = 0xEF53;

    /// <summary>FS_QUOTA_PDQ_ENFD: project quota limits are enforced (dqblk_xfs.h).</summary>
    public const ushort ProjectEnforced = 1 << 5;

    /// <summary>FS_XFLAG_PROJINHERIT: new entries take the directory's project id (linux/fs.h).</summary>
    public const uint ProjectInherit = 0x200;

    private const sbyte FsDquotVersion = 1;
    private const sbyte FsProjQuota = 1 << 1;
    private const ushort FsDqBSoft = 1 << 2;
    private const ushort FsDqBHard = 1 << 3;

    private static int Fd(SafeFileHandle fd) => (int)fd.DangerousGetHandle();

    private static int Errno() => Marshal.GetLastPInvokeError();

    /// <summary>The filesystem's magic number (statfs f_type).</summary>
    public static int FileSystemType(SafeFileHandle fd, out uint magic)
    {
        var buf = new byte[128]; // struct statfs is 120 bytes on LP64; f_type comes first
        magic = 0;
        if (Libc.Fstatfs(Fd(fd), buf) != 0)
        {
            return Errno();
        }
        magic = (uint)BitConverter.ToInt64(buf);
        return 0;
    }

    /// <summary>Q_XGETQSTATV for project quotas: <paramref name="flags"/> holds FS_QUOTA_* bits.</summary>
    public static int ProjectQuotaState(SafeFileHandle fd, out ushort flags)
    {
        var stat = new Libc.QuotaStatV { Version = 1 };
        flags = 0;
        if (Libc.QuotactlFd(Libc.SYS_quotactl_fd, Fd(fd), Libc.QuotaCommand(Libc.Q_XGETQSTATV, Libc.PRJQUOTA), 0, ref stat) < 0)
        {
            return Errno();
        }
        flags = stat.Flags;
        return 0;
    }

    /// <summary>Q_XGETQUOTA of project <paramref name="id"/>: limits in 512-byte blocks, usage.</summary>
    public static int GetProjectQuota(SafeFileHandle fd, uint id, out Libc.DiskQuota quota)
    {
        quota = default;
        return Libc.QuotactlFd(Libc.SYS_quotactl_fd, Fd(fd), Libc.QuotaCommand(Libc.Q_XGETQUOTA, Libc.PRJQUOTA), id, ref quota) < 0 ? Errno() : 0;
    }

    /// <summary>Q_XSETQLIM: soft and hard block limits of project <paramref name="id"/>
    /// (512-byte blocks; 0 removes the limit).</summary>
    public static int SetProjectBlockLimit(SafeFileHandle fd, uint id, ulong blocks)
    {
        var quota = new Libc.DiskQuota
        {
            Version = FsDquotVersion,
            Flags = FsProjQuota,
            FieldMask = FsDqBSoft | FsDqBHard,
            Id = id,
            BlockHardLimit = blocks,
            BlockSoftLimit = blocks,
        };
        return Libc.QuotactlFd(Libc.SYS_quotactl_fd, Fd(fd), Libc.QuotaCommand(Libc.Q_XSETQLIM, Libc.PRJQUOTA), id, ref quota) < 0 ? Errno() : 0;
    }

    /// <summary>FS_IOC_FSGETXATTR (needs a descriptor opened for reading, not O_PATH).</summary>
    public static int GetAttributes(SafeFileHandle fd, out Libc.FsXattr attr)
    {
        attr = default;
        return Libc.IoctlFsXattr(Fd(fd), Libc.FS_IOC_FSGETXATTR, ref attr) < 0 ? Errno() : 0;
    }

    /// <summary>FS_IOC_FSSETXATTR.</summary>
    public static int SetAttributes(SafeFileHandle fd, in Libc.FsXattr attr)
    {
        var copy = attr;
        return Libc.IoctlFsXattr(Fd(fd), Libc.FS_IOC_FSSETXATTR, ref copy) < 0 ? Errno() : 0;
    }

    /// <summary>fgetxattr(2) as a UTF-8 string; ENODATA when the attribute is not set.</summary>
    public static int GetXattr(SafeFileHandle fd, string name, out string value)
    {
        value = "";
        var buf = new byte[64];
        nint n = Libc.FGetXattr(Fd(fd), name, buf, buf.Length);
        if (n < 0)
        {
            return Errno();
        }
        value = System.Text.Encoding.UTF8.GetString(buf, 0, (int)n);
        return 0;
    }

    /// <summary>fsetxattr(2) of a UTF-8 string.</summary>
    public static int SetXattr(SafeFileHandle fd, string name, string value)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(value);
        return Libc.FSetXattr(Fd(fd), name, bytes, bytes.Length, 0) < 0 ? Errno() : 0;
    }
}
