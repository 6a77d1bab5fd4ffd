namespace StorageFs.Interop;

// Project quotas, all on a descriptor of a directory of the filesystem (never a device path):
// fstatfs for the filesystem's type, FS_IOC_FSGETXATTR/FS_IOC_FSSETXATTR for a directory's
// project id and inherit flag (linux/fs.h), quotactl_fd(2) (Linux 5.14) with the XFS-style
// commands (linux/dqblk_xfs.h), and fgetxattr/fsetxattr. Every binding returns -1 and sets
// errno on failure.
public static partial class Libc
{
    public const long SYS_quotactl_fd = 443; // the same on x86_64 and arm64 (asm-generic)
    public const int PRJQUOTA = 2;
    public const int Q_XGETQUOTA = ('X' << 8) + 3;
    public const int Q_XSETQLIM = ('X' << 8) + 4;
    public const int Q_XGETQSTATV = ('X' << 8) + 8;
    public const nuint FS_IOC_FSGETXATTR = 0x801C581F; // _IOR('X', 31, struct fsxattr)
    public const nuint FS_IOC_FSSETXATTR = 0x401C5820; // _IOW('X', 32, struct fsxattr)

    /// <summary>QCMD(cmd, type) of linux/quota.h.</summary>
    public static int QuotaCommand(int cmd, int type) => (cmd << 8) | (type & 0xff);

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

    /// <summary>struct fs_quota_statv (linux/dqblk_xfs.h), 160 bytes; only the head is named.</summary>
    [StructLayout(LayoutKind.Sequential, Size = 160)]
    public struct QuotaStatV
    {
        public sbyte Version;
        public byte Pad1;
        public ushort Flags;
    }

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    public static partial long QuotactlFd(long number, int fd, int cmd, uint id, ref DiskQuota addr);

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    public static partial long QuotactlFd(long number, int fd, int cmd, uint id, ref QuotaStatV addr);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    public static partial int IoctlFsXattr(int fd, nuint request, ref FsXattr attr);

    [LibraryImport("libc", EntryPoint = "fstatfs", SetLastError = true)]
    public static partial int Fstatfs(int fd, [Out] byte[] buf);

    [LibraryImport("libc", EntryPoint = "fgetxattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint FGetXattr(int fd, string name, [Out] byte[] value, nint size);

    [LibraryImport("libc", EntryPoint = "fsetxattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int FSetXattr(int fd, string name, [In] byte[] value, nint size, int flags);
}
