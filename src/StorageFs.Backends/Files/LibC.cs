using System.Runtime.InteropServices;
using StorageFs.Core;

namespace StorageFs.Backends.Files;

/// <summary>
/// glibc calls for what .NET's file APIs cannot do without following symlinks or
/// racing: the *at() family on directory fds, statx, statvfs, getdents64.
/// Structs are read from byte buffers at the kernel's fixed offsets (struct statx in
/// include/uapi/linux/stat.h is the same on every architecture; struct statvfs and
/// linux_dirent64 are the same on every 64-bit one). The open flags O_DIRECTORY and
/// O_NOFOLLOW differ between x86_64 and arm64 (asm/fcntl.h), hence the switch.
/// DllImport rather than LibraryImport: the latter needs AllowUnsafeBlocks, which only
/// StorageFs.Fuse may set.
/// </summary>
internal static class LibC
{
    public const int AtFdCwd = -100;
    public const int AtSymlinkNoFollow = 0x100;
    public const int AtRemoveDir = 0x200;
    public const int AtEmptyPath = 0x1000;
    public const int ORdOnly = 0;
    public const int OCloExec = 0x80000;
    public const uint StatxBasicStats = 0x7ff;
    public const uint StatxBtime = 0x800;
    public const ulong StatxAttrMountRoot = 0x2000;

    public const int ENOENT = 2;
    public const int EACCES = 13;
    public const int EEXIST = 17;
    public const int EXDEV = 18;
    public const int ENOTDIR = 20;
    public const int EISDIR = 21;
    public const int EINVAL = 22;
    public const int ELOOP = 40;
    public const int ENOTEMPTY = 39;

    public static readonly int ODirectory = RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => 0x10000,
        Architecture.Arm64 => 0x4000,
        _ => throw new PlatformNotSupportedException("StorageFs runs on x86_64 and arm64 Linux"),
    };

    public static readonly int ONoFollow = RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => 0x20000,
        Architecture.Arm64 => 0x8000,
        _ => throw new PlatformNotSupportedException("StorageFs runs on x86_64 and arm64 Linux"),
    };

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    public static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mode);

    [DllImport("libc", EntryPoint = "openat", SetLastError = true)]
    public static extern int OpenAt(int dirFd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mode);

    [DllImport("libc", EntryPoint = "openat", SetLastError = true)]
    public static extern int OpenAt(int dirFd, byte[] nulTerminatedName, int flags, uint mode);

    [DllImport("libc", EntryPoint = "unlinkat", SetLastError = true)]
    public static extern int UnlinkAt(int dirFd, byte[] nulTerminatedName, int flags);

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    public static extern int Statx(int dirFd, byte[] nulTerminatedName, int flags, uint mask, byte[] buffer);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    public static extern int Close(int fd);

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    public static extern int Statx(int dirFd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, byte[] buffer);

    [DllImport("libc", EntryPoint = "statvfs", SetLastError = true)]
    public static extern int Statvfs([MarshalAs(UnmanagedType.LPUTF8Str)] string path, byte[] buffer);

    [DllImport("libc", EntryPoint = "mkdirat", SetLastError = true)]
    public static extern int MkdirAt(int dirFd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint mode);

    [DllImport("libc", EntryPoint = "unlinkat", SetLastError = true)]
    public static extern int UnlinkAt(int dirFd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", EntryPoint = "fchmod", SetLastError = true)]
    public static extern int Fchmod(int fd, uint mode);

    [DllImport("libc", EntryPoint = "fchown", SetLastError = true)]
    public static extern int Fchown(int fd, uint uid, uint gid);

    [DllImport("libc", EntryPoint = "getdents64", SetLastError = true)]
    public static extern nint Getdents64(int fd, byte[] buffer, nuint count);

    [DllImport("libc", EntryPoint = "lseek", SetLastError = true)]
    public static extern long Lseek(int fd, long offset, int whence);

    public static int LastErrno() => Marshal.GetLastPInvokeError();

    /// <summary>libvirt's virReportSystemError shape: "what: strerror(errno)", errno kept.</summary>
    public static StorageException Failure(string what, int errno, ErrorCode code = ErrorCode.OperationFailed) =>
        new(code, what + ": " + Marshal.GetPInvokeErrorMessage(errno), errno);

    /// <summary>The same, with the errno of the last failed call.</summary>
    public static StorageException Failure(string what) => Failure(what, LastErrno());
}
