using System.Runtime.InteropServices;
using System.Text;
using StorageFs.Interop;

namespace StorageFs.Vfs.Host;

/// <summary>
/// The libc calls and system calls host-backed nodes make, every one relative to a descriptor:
/// each node holds an O_PATH descriptor of its own host object, a child is reached by one name
/// from its directory's descriptor (openat2 with RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
/// RESOLVE_NO_MAGICLINKS, so no symlink is ever followed and nothing outside is reached), and
/// attributes change through the descriptor itself (fchownat/utimensat with AT_EMPTY_PATH,
/// fchmodat2). No absolute path is rebuilt, so nothing another user renames or replaces can
/// redirect the daemon, and paths have no length limit beyond the kernel's per name.
/// Each call returns 0 or the errno (never throws), so the FUSE handlers answer with the
/// host's own error. Our own bindings (not Mono.Posix): it lacks openat2, fchmodat2, setfsuid
/// and a per-thread setgroups, and one binding per call in one place is the rule.
/// statx and statvfs come from <see cref="StatCalls"/>; struct layouts are the LP64 ones
/// (x86_64, aarch64); system call numbers are chosen per architecture below.
/// </summary>
internal static class HostNative
{
    public const int AT_FDCWD = -100;
    public const int AT_SYMLINK_NOFOLLOW = 0x100;
    public const int AT_REMOVEDIR = 0x200;
    public const int AT_SYMLINK_FOLLOW = 0x400;
    public const int AT_EMPTY_PATH = 0x1000;
    public const int O_RDONLY = 0;
    public const int O_WRONLY = 1;
    public const int O_RDWR = 2;
    public const int O_ACCMODE = 3;
    public const int O_CREAT = 0x40;
    public const int O_EXCL = 0x80;
    public const int O_APPEND = 0x400;
    public const int O_CLOEXEC = 0x80000;
    public const int O_PATH = 0x200000;
    public const uint S_ISGID = 0x400;
    private const long UTIME_NOW = (1L << 30) - 1;
    private const long UTIME_OMIT = (1L << 30) - 2;
    private const uint StatxBasicStats = 0x07ff;
    private const ulong RESOLVE_NO_MAGICLINKS = 0x02;
    private const ulong RESOLVE_NO_SYMLINKS = 0x04;
    private const ulong RESOLVE_BENEATH = 0x08;
    private const int ERANGE = 34;
    private const int CLONE_FS = 0x200;

    private static readonly bool s_arm64 = RuntimeInformation.ProcessArchitecture == Architecture.Arm64;

    // asm/fcntl.h: these differ between x86_64 and arm64.
    public static readonly int O_NOFOLLOW = s_arm64 ? 0x8000 : 0x20000;
    public static readonly int O_DIRECTORY = s_arm64 ? 0x4000 : 0x10000;
    public static readonly int O_DIRECT = s_arm64 ? 0x10000 : 0x4000;

    // asm/unistd.h (x86_64 unistd_64.h; arm64 uses the generic table). openat2 and fchmodat2
    // are new enough to share one number everywhere.
    private const long SYS_openat2 = 437;
    private const long SYS_fchmodat2 = 452;
    private static readonly long SYS_setgroups = s_arm64 ? 159 : 116;
    private static readonly long SYS_setfsuid = s_arm64 ? 151 : 122;
    private static readonly long SYS_setfsgid = s_arm64 ? 152 : 123;

    private static int Result(int rc) => rc == 0 ? 0 : Marshal.GetLastPInvokeError();

    private static int Result(long rc) => rc == 0 ? 0 : Marshal.GetLastPInvokeError();

    /// <summary>The magic link naming descriptor <paramref name="fd"/> itself (its exact inode, whatever names it has now).</summary>
    public static string ProcFd(int fd) => "/proc/self/fd/" + fd.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>lstat (or stat when <paramref name="follow"/>) of a path: only for paths the daemon trusts (volumes, roots).</summary>
    public static int Stat(string path, bool follow, out HostStatus st)
    {
        st = default;
        if (StatCalls.Statx(AT_FDCWD, path, follow ? 0 : AT_SYMLINK_NOFOLLOW, StatxBasicStats, out var b) != 0)
            return Marshal.GetLastPInvokeError();
        st = new HostStatus(b);
        return 0;
    }

    /// <summary>statx of the object <paramref name="fd"/> names (an unlinked file too: nlink 0).</summary>
    public static int StatFd(int fd, out HostStatus st)
    {
        st = default;
        if (StatCalls.Statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, StatxBasicStats, out var b) != 0)
            return Marshal.GetLastPInvokeError();
        st = new HostStatus(b);
        return 0;
    }

    /// <summary>lstat of <paramref name="name"/> in directory <paramref name="dirFd"/> (one component, never followed).</summary>
    public static int StatAt(int dirFd, string name, out HostStatus st)
    {
        st = default;
        if (StatCalls.Statx(dirFd, name, AT_SYMLINK_NOFOLLOW, StatxBasicStats, out var b) != 0)
            return Marshal.GetLastPInvokeError();
        st = new HostStatus(b);
        return 0;
    }

    /// <summary>An O_PATH descriptor of the directory at <paramref name="path"/> (a root the daemon trusts; its last component must not be a symlink).</summary>
    public static int OpenRoot(string path, out int fd)
    {
        fd = Open(path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
        return fd < 0 ? Marshal.GetLastPInvokeError() : 0;
    }

    /// <summary>
    /// openat2 of the single name <paramref name="name"/> below <paramref name="dirFd"/>:
    /// RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS, so the result is the
    /// entry itself (an O_PATH | O_NOFOLLOW open of a symlink gives the link; any other open of
    /// one fails ELOOP) and never anything outside the directory.
    /// </summary>
    public static int OpenBeneath(int dirFd, string name, int flags, uint mode, out int fd)
    {
        var how = new OpenHow
        {
            Flags = (ulong)(uint)(flags | O_NOFOLLOW | O_CLOEXEC),
            Mode = (flags & O_CREAT) != 0 ? mode & 0xFFF : 0,
            Resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
        };
        fd = (int)OpenAt2(SYS_openat2, dirFd, name, ref how, Marshal.SizeOf<OpenHow>());
        return fd < 0 ? Marshal.GetLastPInvokeError() : 0;
    }

    /// <summary>An O_PATH descriptor of <paramref name="name"/> in <paramref name="dirFd"/>, the link itself for a symlink.</summary>
    public static int OpenPath(int dirFd, string name, out int fd) => OpenBeneath(dirFd, name, O_PATH, 0, out fd);

    /// <summary>A new descriptor of the very inode <paramref name="fd"/> names, opened with <paramref name="flags"/> (through its magic link).</summary>
    public static int Reopen(int fd, int flags, out int newFd)
    {
        newFd = Open(ProcFd(fd), flags | O_CLOEXEC, 0);
        return newFd < 0 ? Marshal.GetLastPInvokeError() : 0;
    }

    public static int CloseFd(int fd) => Result(Close(fd));

    /// <summary>chown of the object <paramref name="fd"/> names (a symlink itself, never its target); uint.MaxValue leaves one alone.</summary>
    public static int Chown(int fd, uint uid, uint gid) => Result(FchownAt(fd, "", uid, gid, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW));

    /// <summary>chmod of the object <paramref name="fd"/> names (fchmodat2 with AT_EMPTY_PATH; a symlink: EOPNOTSUPP, as on ext4).</summary>
    public static int Chmod(int fd, uint mode) => Result(FchmodAt2(SYS_fchmodat2, fd, "", mode & 0xFFF, AT_EMPTY_PATH));

    public static int Mkdir(int dirFd, string name, uint mode) => Result(MkdirAt(dirFd, name, mode & 0xFFF));

    public static int Mknod(int dirFd, string name, uint mode, ulong rdev) => Result(MknodAt(dirFd, name, mode, rdev));

    public static int Symlink(string target, int dirFd, string name) => Result(SymlinkAt(target, dirFd, name));

    /// <summary>A new name for the inode <paramref name="fd"/> names: linkat through its magic link with AT_SYMLINK_FOLLOW, which needs no capability (AT_EMPTY_PATH would need CAP_DAC_READ_SEARCH, gone with fsuid).</summary>
    public static int Link(int fd, int dirFd, string name) => Result(LinkAt(AT_FDCWD, ProcFd(fd), dirFd, name, AT_SYMLINK_FOLLOW));

    public static int Unlink(int dirFd, string name) => Result(UnlinkAt(dirFd, name, 0));

    public static int Rmdir(int dirFd, string name) => Result(UnlinkAt(dirFd, name, AT_REMOVEDIR));

    public static int Rename(int fromDirFd, string from, int toDirFd, string to, uint flags) => Result(RenameAt2(fromDirFd, from, toDirFd, to, flags));

    /// <summary>readlink of the symlink <paramref name="fd"/> names.</summary>
    public static int Readlink(int fd, out string target)
    {
        target = "";
        var buf = new byte[4096];
        while (true)
        {
            nint n = ReadlinkAt(fd, "", buf, buf.Length);
            if (n < 0)
                return Marshal.GetLastPInvokeError();
            if (n < buf.Length)
            {
                target = Encoding.UTF8.GetString(buf, 0, (int)n);
                return 0;
            }
            buf = new byte[buf.Length * 2];
        }
    }

    /// <summary>truncate(2) of the regular file <paramref name="fd"/> names (opened for writing through its magic link, so as the caller when run as the caller).</summary>
    public static int Truncate(int fd, long size)
    {
        int err = Reopen(fd, O_WRONLY, out int w);
        if (err != 0)
            return err;
        try
        {
            return Result(Ftruncate(w, size));
        }
        finally
        {
            Close(w);
        }
    }

    /// <summary>utimensat of the object <paramref name="fd"/> names (AT_EMPTY_PATH); a null time is left alone, <paramref name="atimeNow"/> and <paramref name="mtimeNow"/> pick UTIME_NOW.</summary>
    public static int SetTimes(int fd, (long Seconds, uint Nanoseconds)? atime, bool atimeNow, (long Seconds, uint Nanoseconds)? mtime, bool mtimeNow)
    {
        var ts = new Timespec[2];
        ts[0] = Time(atime, atimeNow);
        ts[1] = Time(mtime, mtimeNow);
        return Result(UtimensAt(fd, "", ts, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW));
    }

    private static Timespec Time((long Seconds, uint Nanoseconds)? t, bool now) =>
        now ? new Timespec { Nsec = UTIME_NOW }
        : t is { } v ? new Timespec { Sec = v.Seconds, Nsec = v.Nanoseconds }
        : new Timespec { Nsec = UTIME_OMIT };

    /// <summary>Seconds and nanoseconds since the epoch (floored, so times before 1970 work too).</summary>
    public static (long Seconds, uint Nanoseconds) Exact(DateTimeOffset t)
    {
        long ticks = t.UtcTicks - DateTime.UnixEpoch.Ticks;
        long sec = Math.DivRem(ticks, TimeSpan.TicksPerSecond, out long rem);
        if (rem < 0)
        {
            sec--;
            rem += TimeSpan.TicksPerSecond;
        }
        return (sec, (uint)(rem * 100));
    }

    // Extended attributes through the magic link /proc/self/fd/N with the following calls:
    // f*xattr refuse O_PATH descriptors (EBADF) and getxattrat's AT_EMPTY_PATH does too (6.18),
    // while following the magic link lands on the descriptor's own inode and stops there, for
    // a symlink too (its own trusted.* and security.* attributes; checked on 6.18 by
    // HostDirTests), never on what it points to.

    public static int GetXattr(int fd, string name, out byte[] value)
    {
        value = [];
        string path = ProcFd(fd);
        while (true)
        {
            nint size = GetXattrRaw(path, name, null, 0);
            if (size < 0)
                return Marshal.GetLastPInvokeError();
            var buf = new byte[size];
            nint got = GetXattrRaw(path, name, buf, size);
            if (got < 0)
            {
                int err = Marshal.GetLastPInvokeError();
                if (err == ERANGE) // it grew meanwhile
                    continue;
                return err;
            }
            value = buf[..(int)got];
            return 0;
        }
    }

    public static int SetXattr(int fd, string name, ReadOnlySpan<byte> value, int flags) =>
        Result(SetXattrRaw(ProcFd(fd), name, value.ToArray(), value.Length, flags));

    public static int RemoveXattr(int fd, string name) => Result(RemoveXattrRaw(ProcFd(fd), name));

    public static int ListXattr(int fd, List<string> names)
    {
        string path = ProcFd(fd);
        while (true)
        {
            nint size = ListXattrRaw(path, null, 0);
            if (size < 0)
                return Marshal.GetLastPInvokeError();
            var buf = new byte[size];
            nint got = ListXattrRaw(path, buf, size);
            if (got < 0)
            {
                int err = Marshal.GetLastPInvokeError();
                if (err == ERANGE)
                    continue;
                return err;
            }
            int start = 0;
            for (int i = 0; i < got; i++)
            {
                if (buf[i] != 0)
                    continue;
                if (i > start)
                    names.Add(Encoding.UTF8.GetString(buf, start, i - start));
                start = i + 1;
            }
            return 0;
        }
    }

    public static int Statfs(int fd, ref FuseKstatfs st)
    {
        if (FStatVfs(fd, out var b) != 0)
            return Marshal.GetLastPInvokeError();
        st.Blocks = b.Blocks;
        st.Bfree = b.BFree;
        st.Bavail = b.BAvail;
        st.Files = b.Files;
        st.Ffree = b.FFree;
        st.Bsize = (uint)b.BSize;
        st.Frsize = (uint)b.FrSize;
        st.Namelen = (uint)b.NameMax;
        return 0;
    }

    /// <summary>
    /// Lists the directory <paramref name="fd"/> names: getdents64 on a descriptor opened
    /// through it (never a path). Each entry: name, file type (DT_*), host inode number.
    /// "." and ".." are left out.
    /// </summary>
    public static int ReadDir(int fd, List<(string Name, byte Type, ulong Ino)> entries)
    {
        int err = OpenBeneath(fd, ".", O_RDONLY | O_DIRECTORY, 0, out int dir);
        if (err != 0)
            return err;
        try
        {
            var buf = new byte[32768];
            while (true)
            {
                nint n = GetDents64(dir, buf, buf.Length);
                if (n < 0)
                    return Marshal.GetLastPInvokeError();
                if (n == 0)
                    return 0;
                // struct linux_dirent64: u64 d_ino, s64 d_off, u16 d_reclen, u8 d_type, char d_name[].
                for (int pos = 0; pos < n;)
                {
                    ulong ino = BitConverter.ToUInt64(buf, pos);
                    int reclen = BitConverter.ToUInt16(buf, pos + 16);
                    byte type = buf[pos + 18];
                    int nameStart = pos + 19;
                    int nameEnd = Array.IndexOf(buf, (byte)0, nameStart, pos + reclen - nameStart);
                    int len = (nameEnd < 0 ? pos + reclen : nameEnd) - nameStart;
                    bool dots = (len == 1 && buf[nameStart] == (byte)'.') || (len == 2 && buf[nameStart] == (byte)'.' && buf[nameStart + 1] == (byte)'.');
                    if (!dots)
                        entries.Add((Encoding.UTF8.GetString(buf, nameStart, len), type, ino));
                    pos += reclen;
                }
            }
        }
        finally
        {
            Close(dir);
        }
    }

    // ---- the caller's filesystem identity, per thread -------------------------------------------

    /// <summary>setfsuid(2): this thread only; returns the previous fsuid.</summary>
    public static uint SetFsUid(uint uid) => (uint)SyscallId(SYS_setfsuid, uid);

    /// <summary>setfsgid(2): this thread only; returns the previous fsgid.</summary>
    public static uint SetFsGid(uint gid) => (uint)SyscallId(SYS_setfsgid, gid);

    /// <summary>The raw setgroups system call: this thread only (glibc's setgroups() changes every thread of the process).</summary>
    public static int SetGroups(uint[] groups) => Result(SyscallGroups(SYS_setgroups, groups.Length, groups));

    /// <summary>getgroups(2) of the process (all threads share them until one calls the raw setgroups).</summary>
    public static uint[] GetGroups()
    {
        int n = GetGroupsRaw(0, null);
        if (n <= 0)
            return [];
        var groups = new uint[n];
        n = GetGroupsRaw(n, groups);
        return n < 0 ? [] : groups[..n];
    }

    /// <summary>unshare(CLONE_FS): this thread gets its own umask (and cwd, root), so <see cref="Umask"/> here no longer touches other threads.</summary>
    public static int UnshareFs() => Result(Unshare(CLONE_FS));

    public static uint Umask(uint mask) => UmaskRaw(mask);

    // ---- bindings --------------------------------------------------------------------------

    [StructLayout(LayoutKind.Sequential)]
    private struct OpenHow
    {
        public ulong Flags;
        public ulong Mode;
        public ulong Resolve;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Sec;
        public long Nsec;
    }

    [DllImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static extern long OpenAt2(long number, long dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, ref OpenHow how, nint size);

    [DllImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static extern long FchmodAt2(long number, long dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, long mode, long flags);

    [DllImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static extern long SyscallId(long number, long id);

    [DllImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static extern long SyscallGroups(long number, long size, uint[] list);

    [DllImport("libc", EntryPoint = "getgroups", SetLastError = true)]
    private static extern int GetGroupsRaw(int size, uint[]? list);

    [DllImport("libc", EntryPoint = "unshare", SetLastError = true)]
    private static extern int Unshare(int flags);

    [DllImport("libc", EntryPoint = "umask")]
    private static extern uint UmaskRaw(uint mask);

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mode);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    private static extern int Close(int fd);

    [DllImport("libc", EntryPoint = "fchownat", SetLastError = true)]
    private static extern int FchownAt(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint owner, uint group, int flags);

    [DllImport("libc", EntryPoint = "mkdirat", SetLastError = true)]
    private static extern int MkdirAt(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint mode);

    [DllImport("libc", EntryPoint = "mknodat", SetLastError = true)]
    private static extern int MknodAt(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint mode, ulong dev);

    [DllImport("libc", EntryPoint = "symlinkat", SetLastError = true)]
    private static extern int SymlinkAt([MarshalAs(UnmanagedType.LPUTF8Str)] string target, int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path);

    [DllImport("libc", EntryPoint = "linkat", SetLastError = true)]
    private static extern int LinkAt(int olddirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string oldpath, int newdirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string newpath, int flags);

    [DllImport("libc", EntryPoint = "unlinkat", SetLastError = true)]
    private static extern int UnlinkAt(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", EntryPoint = "renameat2", SetLastError = true)]
    private static extern int RenameAt2(int olddirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string oldpath, int newdirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string newpath, uint flags);

    [DllImport("libc", EntryPoint = "readlinkat", SetLastError = true)]
    private static extern nint ReadlinkAt(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, byte[] buf, nint size);

    [DllImport("libc", EntryPoint = "ftruncate", SetLastError = true)]
    private static extern int Ftruncate(int fd, long length);

    [DllImport("libc", EntryPoint = "utimensat", SetLastError = true)]
    private static extern int UtimensAt(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, [In] Timespec[] times, int flags);

    [DllImport("libc", EntryPoint = "getxattr", SetLastError = true)]
    private static extern nint GetXattrRaw([MarshalAs(UnmanagedType.LPUTF8Str)] string path, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, byte[]? value, nint size);

    [DllImport("libc", EntryPoint = "setxattr", SetLastError = true)]
    private static extern int SetXattrRaw([MarshalAs(UnmanagedType.LPUTF8Str)] string path, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, byte[] value, nint size, int flags);

    [DllImport("libc", EntryPoint = "listxattr", SetLastError = true)]
    private static extern nint ListXattrRaw([MarshalAs(UnmanagedType.LPUTF8Str)] string path, byte[]? list, nint size);

    [DllImport("libc", EntryPoint = "removexattr", SetLastError = true)]
    private static extern int RemoveXattrRaw([MarshalAs(UnmanagedType.LPUTF8Str)] string path, [MarshalAs(UnmanagedType.LPUTF8Str)] string name);

    [DllImport("libc", EntryPoint = "fstatvfs", SetLastError = true)]
    private static extern int FStatVfs(int fd, out StatCalls.StatVfsBuffer buf);

    [DllImport("libc", EntryPoint = "getdents64", SetLastError = true)]
    private static extern nint GetDents64(int fd, byte[] buf, nint size);
}
