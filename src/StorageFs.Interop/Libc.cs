namespace StorageFs.Interop;

/// <summary>
/// The libc calls .NET does not offer, bound once for every layer: the /dev/fuse device,
/// mount(2), ioctls, positional I/O, descriptor-relative path calls, thread identity.
/// Each returns -1 and sets errno on failure (read it with <see cref="Marshal.GetLastPInvokeError"/>).
/// Our own bindings (not Mono.Posix: it lacks openat2, fchmodat2, setfsuid and a per-thread
/// setgroups). Struct layouts are the LP64 ones (x86_64, aarch64). Split by concern:
/// this file (descriptors, I/O, mounts, locks), Libc.Paths.cs, Libc.Process.cs, and
/// <see cref="StatCalls"/> (statx, statvfs).
/// </summary>
public static unsafe partial class Libc
{
    public const int O_RDONLY = 0;
    public const int O_WRONLY = 1;
    public const int O_RDWR = 2;
    public const int O_ACCMODE = 3;
    public const int O_CREAT = 0x40;
    public const int O_EXCL = 0x80;
    public const int O_TRUNC = 0x200;
    public const int O_APPEND = 0x400;
    public const int O_CLOEXEC = 0x80000;
    // asm/fcntl.h: these three differ between x86_64 and arm64.
    public static readonly int O_DIRECT = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? 0x10000 : 0x4000;
    public static readonly int O_DIRECTORY = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? 0x4000 : 0x10000;
    public static readonly int O_NOFOLLOW = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? 0x8000 : 0x20000;
    public const int O_PATH = 0x200000;

    public const ulong MS_NOSUID = 2;
    public const ulong MS_NODEV = 4;
    public const ulong MS_RDONLY = 1;
    public const int MNT_FORCE = 1;
    public const int MNT_DETACH = 2;

    public const short POLLIN = 1;

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags, uint mode);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(int fd, byte* buf, nint count);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    public static partial nint Write(int fd, byte* buf, nint count);

    [LibraryImport("libc", EntryPoint = "writev", SetLastError = true)]
    public static partial nint Writev(int fd, IoVec* iov, int iovcnt);

    [LibraryImport("libc", EntryPoint = "pread64", SetLastError = true)]
    public static partial nint Pread(int fd, byte* buf, nint count, long offset);

    [LibraryImport("libc", EntryPoint = "pwrite64", SetLastError = true)]
    public static partial nint Pwrite(int fd, byte* buf, nint count, long offset);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    public static partial int Ioctl(int fd, nuint request, void* arg);

    [LibraryImport("libc", EntryPoint = "mount", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Mount(string source, string target, string fstype, ulong flags, string data);

    [LibraryImport("libc", EntryPoint = "umount2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Umount2(string target, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    public static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "fdatasync", SetLastError = true)]
    public static partial int Fdatasync(int fd);

    [LibraryImport("libc", EntryPoint = "ftruncate64", SetLastError = true)]
    public static partial int Ftruncate(int fd, long length);

    [LibraryImport("libc", EntryPoint = "fallocate64", SetLastError = true)]
    public static partial int Fallocate(int fd, int mode, long offset, long len);

    [LibraryImport("libc", EntryPoint = "lseek64", SetLastError = true)]
    public static partial long Lseek(int fd, long offset, int whence);

    [LibraryImport("libc", EntryPoint = "copy_file_range", SetLastError = true)]
    public static partial nint CopyFileRange(int fdIn, long* offIn, int fdOut, long* offOut, nint len, uint flags);

    [LibraryImport("libc", EntryPoint = "socketpair", SetLastError = true)]
    public static partial int Socketpair(int domain, int type, int protocol, int* sv);

    [LibraryImport("libc", EntryPoint = "recvmsg", SetLastError = true)]
    public static partial nint Recvmsg(int fd, MsgHdr* msg, int flags);

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    public static partial int Fcntl(int fd, int cmd, int arg);

    public const int F_GETFL = 3;
    public const int F_DUPFD_CLOEXEC = 1030;
    public const int F_OFD_GETLK = 36;
    public const int F_OFD_SETLK = 37;
    public const short F_RDLCK = 0;
    public const short F_WRLCK = 1;
    public const short F_UNLCK = 2;
    public const int LOCK_SH = 1;
    public const int LOCK_EX = 2;
    public const int LOCK_NB = 4;
    public const int LOCK_UN = 8;
    public const int O_NONBLOCK = 0x800;
    public const int O_NOCTTY = 0x100;
    public const uint MFD_CLOEXEC = 1;

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    public static partial int FcntlLock(int fd, int cmd, FlockStruct* lk);

    [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
    public static partial int Flock(int fd, int operation);

    [LibraryImport("libc", EntryPoint = "memfd_create", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int MemfdCreate(string name, uint flags);

    [LibraryImport("libc", EntryPoint = "getuid")]
    public static partial uint Getuid();

    [LibraryImport("libc", EntryPoint = "getgid")]
    public static partial uint Getgid();

    [LibraryImport("libc", EntryPoint = "strerror")]
    private static partial byte* StrerrorNative(int errnum);

    public static string Strerror(int errnum) => Marshal.PtrToStringUTF8((nint)StrerrorNative(errnum)) ?? $"errno {errnum}";

    public static int LastErrno => Marshal.GetLastPInvokeError();

    [LibraryImport("libc", EntryPoint = "stat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int StatNative(string path, byte* buf);

    /// <summary>stat(2); returns 0 or an errno. <paramref name="dev"/> is st_dev (the first field on x86-64 and arm64).</summary>
    public static int Stat(string path, out ulong dev, out uint mode)
    {
        byte* buf = stackalloc byte[256];
        dev = 0;
        mode = 0;
        if (StatNative(path, buf) != 0)
            return LastErrno;
        dev = *(ulong*)buf;
        // st_mode: offset 24 on x86-64 (after st_dev, st_ino, st_nlink), 16 on arm64.
        mode = *(uint*)(buf + (RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 24 : 16));
        return 0;
    }

    /// <summary>minor() of a Linux dev_t (glibc sysmacros).</summary>
    public static uint Minor(ulong dev) => (uint)((dev & 0xff) | ((dev >> 12) & 0xffffff00));

    [LibraryImport("libc", EntryPoint = "statfs", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int StatfsNative(string path, byte* buf);

    /// <summary>statfs(2), for its answer only: returns 0 or an errno. On FUSE it always reaches the server (no cache).</summary>
    public static int Statfs(string path)
    {
        byte* buf = stackalloc byte[256]; // struct statfs is 120 bytes on x86-64 and arm64
        return StatfsNative(path, buf) == 0 ? 0 : LastErrno;
    }

    public const int RLIMIT_NOFILE = 7;

    [StructLayout(LayoutKind.Sequential)]
    public struct Rlimit
    {
        public ulong Cur;
        public ulong Max;
    }

    [LibraryImport("libc", EntryPoint = "getrlimit", SetLastError = true)]
    public static partial int Getrlimit(int resource, out Rlimit limit);

    [LibraryImport("libc", EntryPoint = "setrlimit", SetLastError = true)]
    public static partial int Setrlimit(int resource, in Rlimit limit);


    /// <summary><c>struct flock</c> (x86-64 and arm64 layout).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct FlockStruct
    {
        public short Type;
        public short Whence;
        public long Start;
        public long Len;
        public int Pid;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct IoVec
    {
        public void* Base;
        public nuint Len;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct MsgHdr
    {
        public void* Name;
        public uint NameLen;
        public IoVec* Iov;
        public nuint IovLen;
        public void* Control;
        public nuint ControlLen;
        public int Flags;
    }
}
