using System.Runtime.InteropServices;
using System.Text;
using StorageFs.Interop;

namespace StorageFs.Vfs.Real;

/// <summary>
/// The libc calls and system calls host-backed nodes make, every one relative to a descriptor:
/// each node holds an O_PATH descriptor of its own host object, a child is reached by one name
/// from its directory's descriptor (openat2 with RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
/// RESOLVE_NO_MAGICLINKS, so no symlink is ever followed and nothing outside is reached), and
/// attributes change through the descriptor itself (fchownat/utimensat with AT_EMPTY_PATH,
/// fchmodat2). No absolute path is rebuilt, so nothing another user renames or replaces can
/// redirect the daemon, and paths have no length limit beyond the kernel's per name.
/// Each call returns 0 or the errno (never throws), so the FUSE handlers answer with the
/// host's own error. The bindings themselves are <see cref="Libc"/> and <see cref="StatCalls"/>
/// (src/StorageFs.Interop, one per call).
/// </summary>
internal static class RealNative
{
    public const int AT_FDCWD = Libc.AT_FDCWD;
    public const int AT_SYMLINK_NOFOLLOW = Libc.AT_SYMLINK_NOFOLLOW;
    public const int AT_REMOVEDIR = Libc.AT_REMOVEDIR;
    public const int AT_SYMLINK_FOLLOW = Libc.AT_SYMLINK_FOLLOW;
    public const int AT_EMPTY_PATH = Libc.AT_EMPTY_PATH;
    public const int O_RDONLY = Libc.O_RDONLY;
    public const int O_WRONLY = Libc.O_WRONLY;
    public const int O_RDWR = Libc.O_RDWR;
    public const int O_ACCMODE = Libc.O_ACCMODE;
    public const int O_CREAT = Libc.O_CREAT;
    public const int O_EXCL = Libc.O_EXCL;
    public const int O_APPEND = Libc.O_APPEND;
    public const int O_CLOEXEC = Libc.O_CLOEXEC;
    public const int O_PATH = Libc.O_PATH;
    public static readonly int O_NOFOLLOW = Libc.O_NOFOLLOW;
    public static readonly int O_DIRECTORY = Libc.O_DIRECTORY;
    public static readonly int O_DIRECT = Libc.O_DIRECT;
    public const uint S_ISGID = 0x400;
    private const long UTIME_NOW = (1L << 30) - 1;
    private const long UTIME_OMIT = (1L << 30) - 2;
    private const uint StatxBasicStats = StatCalls.BasicStats;

    private static int Result(int rc) => rc == 0 ? 0 : Marshal.GetLastPInvokeError();

    private static int Result(long rc) => rc == 0 ? 0 : Marshal.GetLastPInvokeError();

    /// <summary>The magic link naming descriptor <paramref name="fd"/> itself (its exact inode, whatever names it has now).</summary>
    public static string ProcFd(int fd) => "/proc/self/fd/" + fd.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>lstat (or stat when <paramref name="follow"/>) of a path: only for paths the daemon trusts (volumes, roots).</summary>
    public static int Stat(string path, bool follow, out RealStatus st)
    {
        st = default;
        if (StatCalls.Statx(AT_FDCWD, path, follow ? 0 : AT_SYMLINK_NOFOLLOW, StatxBasicStats, out var b) != 0)
            return Marshal.GetLastPInvokeError();
        st = new RealStatus(b);
        return 0;
    }

    /// <summary>statx of the object <paramref name="fd"/> names (an unlinked file too: nlink 0).</summary>
    public static int StatFd(int fd, out RealStatus st)
    {
        st = default;
        if (StatCalls.Statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, StatxBasicStats, out var b) != 0)
            return Marshal.GetLastPInvokeError();
        st = new RealStatus(b);
        return 0;
    }

    /// <summary>lstat of <paramref name="name"/> in directory <paramref name="dirFd"/> (one component, never followed).</summary>
    public static int StatAt(int dirFd, string name, out RealStatus st)
    {
        st = default;
        if (StatCalls.Statx(dirFd, name, AT_SYMLINK_NOFOLLOW, StatxBasicStats, out var b) != 0)
            return Marshal.GetLastPInvokeError();
        st = new RealStatus(b);
        return 0;
    }

    /// <summary>An O_PATH descriptor of the directory at <paramref name="path"/> (a root the daemon trusts; its last component must not be a symlink).</summary>
    public static int OpenRoot(string path, out int fd)
    {
        fd = Libc.Open(path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
        return fd < 0 ? Marshal.GetLastPInvokeError() : 0;
    }

    /// <summary>
    /// openat2 of the single name <paramref name="name"/> below <paramref name="dirFd"/>:
    /// Libc.RESOLVE_BENEATH | Libc.RESOLVE_NO_SYMLINKS | Libc.RESOLVE_NO_MAGICLINKS, so the result is the
    /// entry itself (an O_PATH | O_NOFOLLOW open of a symlink gives the link; any other open of
    /// one fails ELOOP) and never anything outside the directory.
    /// </summary>
    public static int OpenBeneath(int dirFd, string name, int flags, uint mode, out int fd)
    {
        var how = new Libc.OpenHow
        {
            Flags = (ulong)(uint)(flags | O_NOFOLLOW | O_CLOEXEC),
            Mode = (flags & O_CREAT) != 0 ? mode & 0xFFF : 0,
            Resolve = Libc.RESOLVE_BENEATH | Libc.RESOLVE_NO_SYMLINKS | Libc.RESOLVE_NO_MAGICLINKS,
        };
        fd = (int)Libc.OpenAt2(dirFd, name, ref how);
        return fd < 0 ? Marshal.GetLastPInvokeError() : 0;
    }

    /// <summary>An O_PATH descriptor of <paramref name="name"/> in <paramref name="dirFd"/>, the link itself for a symlink.</summary>
    public static int OpenPath(int dirFd, string name, out int fd) => OpenBeneath(dirFd, name, O_PATH, 0, out fd);

    /// <summary>A new descriptor of the very inode <paramref name="fd"/> names, opened with <paramref name="flags"/> (through its magic link).</summary>
    public static int Reopen(int fd, int flags, out int newFd)
    {
        newFd = Libc.Open(ProcFd(fd), flags | O_CLOEXEC, 0);
        return newFd < 0 ? Marshal.GetLastPInvokeError() : 0;
    }

    public static int CloseFd(int fd) => Result(Libc.Close(fd));

    /// <summary>chown of the object <paramref name="fd"/> names (a symlink itself, never its target); uint.MaxValue leaves one alone.</summary>
    public static int Chown(int fd, uint uid, uint gid) => Result(Libc.FchownAt(fd, "", uid, gid, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW));

    /// <summary>chmod of the object <paramref name="fd"/> names (fchmodat2 with AT_EMPTY_PATH; a symlink: EOPNOTSUPP, as on ext4).</summary>
    public static int Chmod(int fd, uint mode) => Result(Libc.FchmodAt2(fd, "", mode & 0xFFF, AT_EMPTY_PATH));

    public static int Mkdir(int dirFd, string name, uint mode) => Result(Libc.MkdirAt(dirFd, name, mode & 0xFFF));

    public static int Mknod(int dirFd, string name, uint mode, ulong rdev) => Result(Libc.MknodAt(dirFd, name, mode, rdev));

    public static int Symlink(string target, int dirFd, string name) => Result(Libc.SymlinkAt(target, dirFd, name));

    /// <summary>A new name for the inode <paramref name="fd"/> names: linkat through its magic link with AT_SYMLINK_FOLLOW, which needs no capability (AT_EMPTY_PATH would need CAP_DAC_READ_SEARCH, gone with fsuid).</summary>
    public static int Link(int fd, int dirFd, string name) => Result(Libc.LinkAt(AT_FDCWD, ProcFd(fd), dirFd, name, AT_SYMLINK_FOLLOW));

    public static int Unlink(int dirFd, string name) => Result(Libc.UnlinkAt(dirFd, name, 0));

    public static int Rmdir(int dirFd, string name) => Result(Libc.UnlinkAt(dirFd, name, AT_REMOVEDIR));

    public static int Rename(int fromDirFd, string from, int toDirFd, string to, uint flags) => Result(Libc.RenameAt2(fromDirFd, from, toDirFd, to, flags));

    /// <summary>readlink of the symlink <paramref name="fd"/> names.</summary>
    public static int Readlink(int fd, out string target)
    {
        target = "";
        var buf = new byte[4096];
        while (true)
        {
            nint n = Libc.ReadlinkAt(fd, "", buf, buf.Length);
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
            return Result(Libc.Ftruncate(w, size));
        }
        finally
        {
            Libc.Close(w);
        }
    }

    /// <summary>utimensat of the object <paramref name="fd"/> names (AT_EMPTY_PATH); a null time is left alone, <paramref name="atimeNow"/> and <paramref name="mtimeNow"/> pick UTIME_NOW.</summary>
    public static int SetTimes(int fd, (long Seconds, uint Nanoseconds)? atime, bool atimeNow, (long Seconds, uint Nanoseconds)? mtime, bool mtimeNow)
    {
        var ts = new Libc.Timespec[2];
        ts[0] = Time(atime, atimeNow);
        ts[1] = Time(mtime, mtimeNow);
        return Result(Libc.UtimensAt(fd, "", ts, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW));
    }

    private static Libc.Timespec Time((long Seconds, uint Nanoseconds)? t, bool now) =>
        now ? new Libc.Timespec { Nsec = UTIME_NOW }
        : t is { } v ? new Libc.Timespec { Sec = v.Seconds, Nsec = v.Nanoseconds }
        : new Libc.Timespec { Nsec = UTIME_OMIT };

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
    // RealDirTests), never on what it points to.

    public static int GetXattr(int fd, string name, out byte[] value)
    {
        value = [];
        string path = ProcFd(fd);
        while (true)
        {
            nint size = Libc.GetXattr(path, name, null, 0);
            if (size < 0)
                return Marshal.GetLastPInvokeError();
            var buf = new byte[size];
            nint got = Libc.GetXattr(path, name, buf, size);
            if (got < 0)
            {
                int err = Marshal.GetLastPInvokeError();
                if (err == (int)Errno.ERANGE) // it grew meanwhile
                    continue;
                return err;
            }
            value = buf[..(int)got];
            return 0;
        }
    }

    public static int SetXattr(int fd, string name, ReadOnlySpan<byte> value, int flags) =>
        Result(Libc.SetXattr(ProcFd(fd), name, value.ToArray(), value.Length, flags));

    public static int RemoveXattr(int fd, string name) => Result(Libc.RemoveXattr(ProcFd(fd), name));

    public static int ListXattr(int fd, List<string> names)
    {
        string path = ProcFd(fd);
        while (true)
        {
            nint size = Libc.ListXattr(path, null, 0);
            if (size < 0)
                return Marshal.GetLastPInvokeError();
            var buf = new byte[size];
            nint got = Libc.ListXattr(path, buf, size);
            if (got < 0)
            {
                int err = Marshal.GetLastPInvokeError();
                if (err == (int)Errno.ERANGE)
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
        if (StatCalls.FStatVfs(fd, out var b) != 0)
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
    public static int ReadDir(int fd, List<(string Name, byte Type, ulong Ino)> entries, int flags = 0)
    {
        int err = OpenBeneath(fd, ".", O_RDONLY | O_DIRECTORY | flags, 0, out int dir);
        if (err != 0)
            return err;
        try
        {
            var buf = new byte[32768];
            while (true)
            {
                nint n = Libc.GetDents64(dir, buf, buf.Length);
                if (n < 0)
                    return Marshal.GetLastPInvokeError();
                if (n == 0)
                    return 0;
                for (var d = new Dirents(buf, (int)n); d.MoveNext();)
                {
                    if (!d.IsDots)
                        entries.Add((Encoding.UTF8.GetString(buf, d.NameStart, d.NameLength), d.Type, d.Ino));
                }
            }
        }
        finally
        {
            Libc.Close(dir);
        }
    }

    /// <summary>
    /// <c>statx</c>es the names of the directory <paramref name="name"/> one component beneath
    /// <paramref name="fd"/> ("." for <paramref name="fd"/> itself; no symlink followed, none of
    /// its names followed either), at most <paramref name="max"/>, as <c>getdents64</c> hands them
    /// over into <paramref name="buf"/> (at least <see cref="DentsBuffer"/> bytes, reused by a
    /// caller that reads many directories): no string and no list is made. The directory is read
    /// with <paramref name="flags"/> (O_NOATIME). Returns the names statted.
    /// </summary>
    public static int StatNames(int fd, string name, int max, int flags, byte[] buf)
    {
        if (OpenBeneath(fd, name, O_RDONLY | O_DIRECTORY | flags, 0, out int dir) != 0)
            return 0;
        int statted = 0;
        try
        {
            while (statted < max)
            {
                nint n = Libc.GetDents64(dir, buf, buf.Length);
                if (n <= 0)
                    break;
                for (var d = new Dirents(buf, (int)n); statted < max && d.MoveNext();)
                {
                    if (d.IsDots)
                        continue;
                    StatCalls.Statx(dir, ref buf[d.NameStart], AT_SYMLINK_NOFOLLOW, StatxBasicStats, out _);
                    statted++;
                }
            }
        }
        finally
        {
            Libc.Close(dir);
        }
        return statted;
    }

    /// <summary>The getdents64 buffer <see cref="StatNames(int, string, int, int, byte[])"/> wants.</summary>
    public const int DentsBuffer = 32768;

    /// <summary>The records one getdents64 call left in a buffer: struct linux_dirent64 (u64 d_ino,
    /// s64 d_off, u16 d_reclen, u8 d_type, then d_name, NUL-terminated and padded).</summary>
    private ref struct Dirents(byte[] buf, int length)
    {
        private int _next;
        private int _pos;

        public bool MoveNext()
        {
            if (_next >= length)
                return false;
            _pos = _next;
            _next += BitConverter.ToUInt16(buf, _pos + 16);
            return true;
        }

        public readonly ulong Ino => BitConverter.ToUInt64(buf, _pos);

        public readonly byte Type => buf[_pos + 18];

        public readonly int NameStart => _pos + 19;

        public readonly int NameLength
        {
            get
            {
                int end = Array.IndexOf(buf, (byte)0, NameStart, _next - NameStart);
                return (end < 0 ? _next : end) - NameStart;
            }
        }

        /// <summary>"." or "..".</summary>
        public readonly bool IsDots =>
            buf[NameStart] == (byte)'.' && (buf[NameStart + 1] == 0 || (buf[NameStart + 1] == (byte)'.' && buf[NameStart + 2] == 0));
    }

    // ---- the caller's filesystem identity, per thread -------------------------------------------

    /// <summary>setfsuid(2): this thread only; returns the previous fsuid.</summary>
    public static uint SetFsUid(uint uid) => Libc.SetFsUid(uid);

    /// <summary>setfsgid(2): this thread only; returns the previous fsgid.</summary>
    public static uint SetFsGid(uint gid) => Libc.SetFsGid(gid);

    /// <summary>The raw setgroups system call: this thread only (glibc's setgroups() changes every thread of the process).</summary>
    public static int SetGroups(uint[] groups) => Result(Libc.SetGroupsThread(groups));

    /// <summary>getgroups(2) of the process (all threads share them until one calls the raw setgroups).</summary>
    public static uint[] GetGroups()
    {
        int n = Libc.GetGroups(0, null);
        if (n <= 0)
            return [];
        var groups = new uint[n];
        n = Libc.GetGroups(n, groups);
        return n < 0 ? [] : groups[..n];
    }

    /// <summary>unshare(CLONE_FS): this thread gets its own umask (and cwd, root), so <see cref="Umask"/> here no longer touches other threads.</summary>
    public static int UnshareFs() => Result(Libc.Unshare(Libc.CLONE_FS));

    public static uint Umask(uint mask) => Libc.Umask(mask);
}
