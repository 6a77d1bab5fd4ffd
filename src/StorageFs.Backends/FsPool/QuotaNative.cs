using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace StorageFs.Backends.FsPool;

/// <summary>
/// The calls project quotas need, all on a descriptor of a directory of the filesystem (never a
/// device path): fstatfs for the filesystem's type, the FS_IOC_FSGETXATTR/FS_IOC_FSSETXATTR
/// ioctls for a directory's project id and inherit flag (linux/fs.h, struct fsxattr), and
/// quotactl_fd(2) (Linux 5.14) with the XFS-style commands, which the kernel also serves for
/// ext4's quota (fs/quota/quota.c turns Q_XGETQSTATV, Q_XGETQUOTA and Q_XSETQLIM into the
/// superblock's get_state, get_dqblk and set_dqblk). Layouts from linux/dqblk_xfs.h. Each call
/// returns the errno, 0 on success. fgetxattr/fsetxattr for the capacity kept with an item.
/// </summary>
internal static class QuotaNative
{
    public const uint XfsMagic = 0x58465342;
    public const uint Ext4Magic = 0xEF53;

    public const int ENOENT = 2;
    public const int ESRCH = 3;
    public const int ENODATA = 61;
    public const int ENOSYS = 38;

    /// <summary>FS_QUOTA_PDQ_ENFD: project quota limits are enforced (dqblk_xfs.h).</summary>
    public const ushort ProjectEnforced = 1 << 5;

    /// <summary>FS_XFLAG_PROJINHERIT: new entries take the directory's project id (linux/fs.h).</summary>
    public const uint ProjectInherit = 0x200;

    private const long SysQuotactlFd = 443; // the same on x86_64 and arm64 (asm-generic)
    private const int PrjQuota = 2;
    private const ulong FsIocFsGetXattr = 0x801C581F; // _IOR('X', 31, struct fsxattr)
    private const ulong FsIocFsSetXattr = 0x401C5820; // _IOW('X', 32, struct fsxattr)
    private const int QXGetQuota = ('X' << 8) + 3;
    private const int QXSetQLim = ('X' << 8) + 4;
    private const int QXGetQStatV = ('X' << 8) + 8;
    private const sbyte FsDquotVersion = 1;
    private const sbyte FsProjQuota = 1 << 1;
    private const ushort FsDqBSoft = 1 << 2;
    private const ushort FsDqBHard = 1 << 3;

    /// <summary>The filesystem's magic number (statfs f_type).</summary>
    public static int FileSystemType(SafeFileHandle fd, out uint magic)
    {
        Span<byte> buf = stackalloc byte[128]; // struct statfs is 120 bytes on LP64; f_type comes first
        magic = 0;
        if (Fstatfs((int)fd.DangerousGetHandle(), ref MemoryMarshal.GetReference(buf)) != 0)
        {
            return Marshal.GetLastPInvokeError();
        }
        magic = (uint)BitConverter.ToInt64(buf);
        return 0;
    }

    /// <summary>Q_XGETQSTATV for project quotas: <paramref name="flags"/> holds FS_QUOTA_* bits.</summary>
    public static int ProjectQuotaState(SafeFileHandle fd, out ushort flags)
    {
        var stat = new QuotaStatV { Version = 1 };
        flags = 0;
        if (QuotactlFd(SysQuotactlFd, (int)fd.DangerousGetHandle(), (QXGetQStatV << 8) | PrjQuota, 0, ref stat) < 0)
        {
            return Marshal.GetLastPInvokeError();
        }
        flags = stat.Flags;
        return 0;
    }

    /// <summary>Q_XGETQUOTA of project <paramref name="id"/>: limits in 512-byte blocks, usage.</summary>
    public static int GetProjectQuota(SafeFileHandle fd, uint id, out DiskQuota quota)
    {
        quota = default;
        if (QuotactlFd(SysQuotactlFd, (int)fd.DangerousGetHandle(), (QXGetQuota << 8) | PrjQuota, id, ref quota) < 0)
        {
            return Marshal.GetLastPInvokeError();
        }
        return 0;
    }

    /// <summary>Q_XSETQLIM: soft and hard block limits of project <paramref name="id"/>
    /// (512-byte blocks; 0 removes the limit).</summary>
    public static int SetProjectBlockLimit(SafeFileHandle fd, uint id, ulong blocks)
    {
        var quota = new DiskQuota
        {
            Version = FsDquotVersion,
            Flags = FsProjQuota,
            FieldMask = FsDqBSoft | FsDqBHard,
            Id = id,
            BlockHardLimit = blocks,
            BlockSoftLimit = blocks,
        };
        return QuotactlFd(SysQuotactlFd, (int)fd.DangerousGetHandle(), (QXSetQLim << 8) | PrjQuota, id, ref quota) < 0
            ? Marshal.GetLastPInvokeError()
            : 0;
    }

    /// <summary>FS_IOC_FSGETXATTR (needs a descriptor opened for reading, not O_PATH).</summary>
    public static int GetAttributes(SafeFileHandle fd, out FsXattr attr)
    {
        attr = default;
        return Ioctl((int)fd.DangerousGetHandle(), FsIocFsGetXattr, ref attr) < 0 ? Marshal.GetLastPInvokeError() : 0;
    }

    /// <summary>FS_IOC_FSSETXATTR.</summary>
    public static int SetAttributes(SafeFileHandle fd, in FsXattr attr)
    {
        var copy = attr;
        return Ioctl((int)fd.DangerousGetHandle(), FsIocFsSetXattr, ref copy) < 0 ? Marshal.GetLastPInvokeError() : 0;
    }

    /// <summary>fgetxattr(2) as a UTF-8 string; ENODATA when the attribute is not set.</summary>
    public static int GetXattr(SafeFileHandle fd, string name, out string value)
    {
        value = "";
        var buf = new byte[64];
        long n = Fgetxattr((int)fd.DangerousGetHandle(), name, buf, (nuint)buf.Length);
        if (n < 0)
        {
            return Marshal.GetLastPInvokeError();
        }
        value = System.Text.Encoding.UTF8.GetString(buf, 0, (int)n);
        return 0;
    }

    /// <summary>fsetxattr(2) of a UTF-8 string.</summary>
    public static int SetXattr(SafeFileHandle fd, string name, string value)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(value);
        return Fsetxattr((int)fd.DangerousGetHandle(), name, bytes, (nuint)bytes.Length, 0) < 0 ? Marshal.GetLastPInvokeError() : 0;
    }

    /// <summary>struct fsxattr (linux/fs.h), 28 bytes.</summary>
    [StructLayout(LayoutKind.Sequential, Pack = 4)]
    public struct FsXattr
    {
        public uint XFlags;
        public uint ExtSize;
        public uint NExtents;
        public uint ProjectId;
        public uint CowExtSize;
        public ulong Pad;
    }

    /// <summary>struct fs_disk_quota (linux/dqblk_xfs.h), 112 bytes; block counts in 512-byte units.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct DiskQuota
    {
        public sbyte Version;
        public sbyte Flags;
        public ushort FieldMask;
        public uint Id;
        public ulong BlockHardLimit;
        public ulong BlockSoftLimit;
        public ulong InodeHardLimit;
        public ulong InodeSoftLimit;
        public ulong BlockCount;
        public ulong InodeCount;
        public int InodeTimer;
        public int BlockTimer;
        public ushort InodeWarnings;
        public ushort BlockWarnings;
        public int TimerHighBytes;
        public ulong RtBlockHardLimit;
        public ulong RtBlockSoftLimit;
        public ulong RtBlockCount;
        public int RtBlockTimer;
        public ushort RtBlockWarnings;
        public short Padding3;
        public ulong Padding4;
    }

    /// <summary>struct fs_quota_statv (linux/dqblk_xfs.h), 160 bytes; only the flags are read.</summary>
    [StructLayout(LayoutKind.Sequential, Size = 160)]
    private struct QuotaStatV
    {
        public sbyte Version;
        public byte Pad1;
        public ushort Flags;
    }

    [DllImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static extern long QuotactlFd(long number, int fd, int cmd, uint id, ref QuotaStatV addr);

    [DllImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static extern long QuotactlFd(long number, int fd, int cmd, uint id, ref DiskQuota addr);

    [DllImport("libc", EntryPoint = "fstatfs", SetLastError = true)]
    private static extern int Fstatfs(int fd, ref byte buf);

    [DllImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static extern int Ioctl(int fd, ulong request, ref FsXattr attr);

    [DllImport("libc", EntryPoint = "fgetxattr", SetLastError = true)]
    private static extern long Fgetxattr(int fd, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, byte[] value, nuint size);

    [DllImport("libc", EntryPoint = "fsetxattr", SetLastError = true)]
    private static extern int Fsetxattr(int fd, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, byte[] value, nuint size, int flags);
}
