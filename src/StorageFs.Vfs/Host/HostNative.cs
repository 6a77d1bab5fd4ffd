using System.Runtime.InteropServices;
using StorageFs.Core.Host;

namespace StorageFs.Vfs.Host;

/// <summary>
/// The libc calls host-backed nodes need and .NET lacks or hides behind symlink-following
/// wrappers: lstat with every field (statx), lchown, chmod and utimensat without following a
/// final symlink, mknod, link, renameat2, the l*xattr family and statvfs. Each returns 0 or
/// the errno (never throws), so the FUSE handlers answer with the host's own error.
/// statx and statvfs are the shared bindings of <see cref="StatCalls"/>; struct timespec is
/// glibc's LP64 layout (x86_64, aarch64).
/// </summary>
internal static class HostNative
{
    public const int AT_FDCWD = -100;
    public const int AT_SYMLINK_NOFOLLOW = 0x100;
    public const int O_WRONLY = 1;
    public const int O_CREAT = 0x40;
    public const int O_EXCL = 0x80;
    public const int O_CLOEXEC = 0x80000;
    public const uint S_ISGID = 0x400;
    private const long UTIME_NOW = (1L << 30) - 1;
    private const long UTIME_OMIT = (1L << 30) - 2;
    private const uint StatxBasicStats = 0x07ff;

    // O_NOFOLLOW differs between x86_64 and arm64 (asm/fcntl.h).
    public static readonly int O_NOFOLLOW = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? 0x8000 : 0x20000;

    private static int Result(int rc) => rc == 0 ? 0 : Marshal.GetLastPInvokeError();

    /// <summary>lstat (or stat when <paramref name="follow"/>).</summary>
    public static int Stat(string path, bool follow, out HostStatus st)
    {
        st = default;
        if (StatCalls.Statx(AT_FDCWD, path, follow ? 0 : AT_SYMLINK_NOFOLLOW, StatxBasicStats, out var b) != 0)
            return Marshal.GetLastPInvokeError();
        st = new HostStatus(b);
        return 0;
    }

    public static int Lchown(string path, uint uid, uint gid) => Result(LchownRaw(path, uid, gid));

    /// <summary>chmod of <paramref name="path"/> itself, never of a symlink's target.</summary>
    public static int Chmod(string path, uint mode) => Result(FchmodAt(AT_FDCWD, path, mode & 0xFFF, AT_SYMLINK_NOFOLLOW));

    public static int Mkdir(string path, uint mode) => Result(MkdirRaw(path, mode & 0xFFF));

    public static int Mknod(string path, uint mode, ulong rdev) => Result(MknodRaw(path, mode, rdev));

    public static int Symlink(string target, string path) => Result(SymlinkRaw(target, path));

    public static int Link(string existing, string path) => Result(LinkRaw(existing, path));

    public static int Unlink(string path) => Result(UnlinkRaw(path));

    public static int Rmdir(string path) => Result(RmdirRaw(path));

    public static int Rename(string from, string to, uint flags) => Result(RenameAt2(AT_FDCWD, from, AT_FDCWD, to, flags));

    /// <summary>Creates a regular file exclusively, owned by <paramref name="uid"/> (and <paramref name="gid"/> unless uint.MaxValue) with exactly <paramref name="mode"/>.</summary>
    public static int CreateFile(string path, uint mode, uint uid, uint gid)
    {
        int fd = Open(path, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, mode & 0xFFF);
        if (fd < 0)
            return Marshal.GetLastPInvokeError();
        try
        {
            int err = Result(Fchown(fd, uid, gid));
            return err != 0 ? err : Result(Fchmod(fd, mode & 0xFFF));
        }
        finally
        {
            Close(fd);
        }
    }

    /// <summary>truncate(2) of the file itself: refuses (ELOOP) when the name is a symlink.</summary>
    public static int Truncate(string path, long size)
    {
        int fd = Open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0);
        if (fd < 0)
            return Marshal.GetLastPInvokeError();
        try
        {
            return Result(Ftruncate(fd, size));
        }
        finally
        {
            Close(fd);
        }
    }

    /// <summary>utimensat without following a final symlink; a null time is left alone, <paramref name="atimeNow"/> and <paramref name="mtimeNow"/> pick UTIME_NOW.</summary>
    public static int SetTimes(string path, (long Seconds, uint Nanoseconds)? atime, bool atimeNow, (long Seconds, uint Nanoseconds)? mtime, bool mtimeNow)
    {
        var ts = new Timespec[2];
        ts[0] = Time(atime, atimeNow);
        ts[1] = Time(mtime, mtimeNow);
        return Result(UtimensAt(AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW));
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

    public static int GetXattr(string path, string name, out byte[] value)
    {
        value = [];
        while (true)
        {
            nint size = LGetXattr(path, name, null, 0);
            if (size < 0)
                return Marshal.GetLastPInvokeError();
            var buf = new byte[size];
            nint got = LGetXattr(path, name, buf, size);
            if (got < 0)
            {
                int err = Marshal.GetLastPInvokeError();
                if (err == 34 /* ERANGE: it grew meanwhile */)
                    continue;
                return err;
            }
            value = buf[..(int)got];
            return 0;
        }
    }

    public static int SetXattr(string path, string name, ReadOnlySpan<byte> value, int flags) =>
        Result(LSetXattr(path, name, value.ToArray(), value.Length, flags));

    public static int RemoveXattr(string path, string name) => Result(LRemoveXattr(path, name));

    public static int ListXattr(string path, List<string> names)
    {
        while (true)
        {
            nint size = LListXattr(path, null, 0);
            if (size < 0)
                return Marshal.GetLastPInvokeError();
            var buf = new byte[size];
            nint got = LListXattr(path, buf, size);
            if (got < 0)
            {
                int err = Marshal.GetLastPInvokeError();
                if (err == 34)
                    continue;
                return err;
            }
            foreach (var part in buf.AsSpan(0, (int)got).ToArray().Split0())
                names.Add(part);
            return 0;
        }
    }

    private static IEnumerable<string> Split0(this byte[] list)
    {
        int start = 0;
        for (int i = 0; i < list.Length; i++)
        {
            if (list[i] != 0)
                continue;
            if (i > start)
                yield return System.Text.Encoding.UTF8.GetString(list, start, i - start);
            start = i + 1;
        }
    }

    public static int Statfs(string path, ref FuseKstatfs st)
    {
        if (StatCalls.StatVfs(path, out var b) != 0)
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


    [DllImport("libc", EntryPoint = "lchown", SetLastError = true)]
    private static extern int LchownRaw([MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint owner, uint group);

    [DllImport("libc", EntryPoint = "fchown", SetLastError = true)]
    private static extern int Fchown(int fd, uint owner, uint group);

    [DllImport("libc", EntryPoint = "fchmod", SetLastError = true)]
    private static extern int Fchmod(int fd, uint mode);

    [DllImport("libc", EntryPoint = "fchmodat", SetLastError = true)]
    private static extern int FchmodAt(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint mode, int flags);

    [DllImport("libc", EntryPoint = "mkdir", SetLastError = true)]
    private static extern int MkdirRaw([MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint mode);

    [DllImport("libc", EntryPoint = "mknod", SetLastError = true)]
    private static extern int MknodRaw([MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint mode, ulong dev);

    [DllImport("libc", EntryPoint = "symlink", SetLastError = true)]
    private static extern int SymlinkRaw([MarshalAs(UnmanagedType.LPUTF8Str)] string target, [MarshalAs(UnmanagedType.LPUTF8Str)] string path);

    [DllImport("libc", EntryPoint = "link", SetLastError = true)]
    private static extern int LinkRaw([MarshalAs(UnmanagedType.LPUTF8Str)] string existing, [MarshalAs(UnmanagedType.LPUTF8Str)] string path);

    [DllImport("libc", EntryPoint = "unlink", SetLastError = true)]
    private static extern int UnlinkRaw([MarshalAs(UnmanagedType.LPUTF8Str)] string path);

    [DllImport("libc", EntryPoint = "rmdir", SetLastError = true)]
    private static extern int RmdirRaw([MarshalAs(UnmanagedType.LPUTF8Str)] string path);

    [DllImport("libc", EntryPoint = "renameat2", SetLastError = true)]
    private static extern int RenameAt2(int olddirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string oldpath, int newdirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string newpath, uint flags);

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mode);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    private static extern int Close(int fd);

    [DllImport("libc", EntryPoint = "ftruncate", SetLastError = true)]
    private static extern int Ftruncate(int fd, long length);

    [DllImport("libc", EntryPoint = "utimensat", SetLastError = true)]
    private static extern int UtimensAt(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, [In] Timespec[] times, int flags);

    [DllImport("libc", EntryPoint = "lgetxattr", SetLastError = true)]
    private static extern nint LGetXattr([MarshalAs(UnmanagedType.LPUTF8Str)] string path, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, byte[]? value, nint size);

    [DllImport("libc", EntryPoint = "lsetxattr", SetLastError = true)]
    private static extern int LSetXattr([MarshalAs(UnmanagedType.LPUTF8Str)] string path, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, byte[] value, nint size, int flags);

    [DllImport("libc", EntryPoint = "llistxattr", SetLastError = true)]
    private static extern nint LListXattr([MarshalAs(UnmanagedType.LPUTF8Str)] string path, byte[]? list, nint size);

    [DllImport("libc", EntryPoint = "lremovexattr", SetLastError = true)]
    private static extern int LRemoveXattr([MarshalAs(UnmanagedType.LPUTF8Str)] string path, [MarshalAs(UnmanagedType.LPUTF8Str)] string name);


    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Sec;
        public long Nsec;
    }


}
