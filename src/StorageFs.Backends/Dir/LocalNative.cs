using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using StorageFs.Core.Backend;
using StorageFs.Core.Host;

namespace StorageFs.Backends.Dir;

/// <summary>
/// The libc calls the local (dir and fspool-dir) backends need and .NET lacks: statx with
/// st_blocks and both device numbers, statvfs, open with O_NOFOLLOW, openat2 with RESOLVE_*
/// flags (through syscall(2): glibc has no wrapper), fcntl flags, fallocate (hole punching),
/// lseek SEEK_DATA/SEEK_HOLE, unlink/rmdir with errno, chown, FICLONE. Every wrapper throws
/// <see cref="StorageException"/> with libvirt's "what: strerror" wording on failure.
/// statx and statvfs are the shared bindings of <see cref="StatCalls"/>; struct dirent is
/// glibc's LP64 layout (x86_64, aarch64).
/// </summary>
internal static class LocalNative
{
    public const int ENOENT = 2;
    public const int EEXIST = 17;
    public const int ENOTDIR = 20;
    public const int EINVAL = 22;
    public const int EFBIG = 27;
    public const int ENOSPC = 28;
    public const int ENOTEMPTY = 39;
    public const int ELOOP = 40;
    public const int EOPNOTSUPP = 95;
    public const int ENXIO = 6;

    public const int O_RDONLY = 0;
    public const int O_WRONLY = 1;
    public const int O_RDWR = 2;
    public const int O_CREAT = 0x40;
    public const int O_EXCL = 0x80;
    // O_DIRECTORY and O_NOFOLLOW differ between x86_64 and arm64 (asm/fcntl.h).
    public static readonly int O_DIRECTORY = RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => 0x10000,
        Architecture.Arm64 => 0x4000,
        _ => throw new PlatformNotSupportedException("StorageFs runs on x86_64 and arm64 Linux"),
    };

    public static readonly int O_NOFOLLOW = RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => 0x20000,
        Architecture.Arm64 => 0x8000,
        _ => throw new PlatformNotSupportedException("StorageFs runs on x86_64 and arm64 Linux"),
    };
    public const int O_CLOEXEC = 0x80000;
    public const int O_NOCTTY = 0x100;
    public const int O_NONBLOCK = 0x800;
    public const int O_PATH = 0x200000;
    public const int EACCES = 13;
    public const int EPERM = 1;
    public const int EROFS = 30;
    public const int ETXTBSY = 26;

    // openat2(2) resolve flags (linux/openat2.h).
    public const ulong RESOLVE_NO_MAGICLINKS = 0x02;
    public const ulong RESOLVE_NO_SYMLINKS = 0x04;
    public const ulong RESOLVE_BENEATH = 0x08;

    public const int FALLOC_FL_KEEP_SIZE = 0x01;
    public const int FALLOC_FL_PUNCH_HOLE = 0x02;

    private const int AtFdCwd = -100;
    private const int EINTR = 4;
    private const long SysOpenat2 = 437; // the same number on x86_64 and arm64 (asm-generic)
    private const int FGetFl = 3;
    private const int FSetFl = 4;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxBasicStatsAndBtime = 0x0fff;
    private const int SeekData = 3;
    private const int SeekHole = 4;
    private const ulong Ficlone = 0x40049409;

    /// <summary>stat (following symlinks unless <paramref name="noFollow"/>), or null when the
    /// path does not exist (ENOENT/ENOTDIR).</summary>
    public static FileStatus? Stat(string path, bool noFollow)
    {
        if (StatCalls.Statx(AtFdCwd, path, noFollow ? AtSymlinkNoFollow : 0, StatxBasicStatsAndBtime, out var buf) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno is ENOENT or ENOTDIR or ELOOP)
            {
                return null;
            }
            throw StorageErrors.System(errno, $"cannot stat file '{path}'");
        }
        return FileStatus.From(buf);
    }

    /// <summary>fstat of an open file.</summary>
    public static FileStatus Stat(SafeFileHandle handle, string pathForErrors)
    {
        if (StatCalls.Statx((int)handle.DangerousGetHandle(), "", 0x1000 /* AT_EMPTY_PATH */, StatxBasicStatsAndBtime, out var buf) != 0)
        {
            StorageErrors.ThrowLastSystem($"cannot stat file '{pathForErrors}'");
        }
        return FileStatus.From(buf);
    }

    /// <summary>statvfs: (capacity, allocation, available) as libvirt computes them for a
    /// local pool (virStorageBackendFileSystemRefresh): capacity f_frsize·f_blocks, available
    /// f_frsize·f_bfree (root's reserve included), allocation the difference.</summary>
    public static PoolSizes FileSystemSizes(string path)
    {
        if (StatCalls.StatVfs(path, out var vfs) != 0)
        {
            StorageErrors.ThrowLastSystem($"cannot statvfs path '{path}'");
        }
        ulong capacity = vfs.FrSize * vfs.Blocks;
        ulong available = vfs.FrSize * vfs.BFree;
        return new PoolSizes(capacity, capacity - Math.Min(capacity, available), available);
    }

    /// <summary>open(2); symlinks in the last component are refused when
    /// <see cref="O_NOFOLLOW"/> is among <paramref name="flags"/> (ELOOP).</summary>
    public static SafeFileHandle Open(string path, int flags, uint mode, string what)
    {
        int fd = OpenRaw(path, flags | O_CLOEXEC, mode);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw StorageErrors.System(errno, $"{what} '{path}'");
        }
        return new SafeFileHandle(fd, ownsHandle: true);
    }

    /// <summary>
    /// openat2(2) of <paramref name="path"/> relative to <paramref name="dirfd"/> (the working
    /// directory when null) with <paramref name="resolve"/> (RESOLVE_*), O_CLOEXEC added. Returns
    /// the descriptor, or null with <paramref name="errno"/> set.
    /// </summary>
    public static SafeFileHandle? OpenAt2(SafeFileHandle? dirfd, string path, int flags, ulong resolve, out int errno, uint mode = 0)
    {
        var how = new OpenHow { Flags = (ulong)(uint)(flags | O_CLOEXEC), Mode = mode, Resolve = resolve };
        long fd;
        do
        {
            fd = Syscall(SysOpenat2, dirfd is null ? AtFdCwd : (long)dirfd.DangerousGetHandle(), path, ref how, (nuint)Marshal.SizeOf<OpenHow>());
            errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
        }
        while (fd < 0 && errno == EINTR);
        return fd < 0 ? null : new SafeFileHandle((nint)fd, ownsHandle: true);
    }

    /// <summary>Clears O_NONBLOCK (set at open so a FIFO or device swapped in cannot block the open).</summary>
    public static void ClearNonBlocking(SafeFileHandle handle, string pathForErrors)
    {
        int fd = (int)handle.DangerousGetHandle();
        int flags = Fcntl(fd, FGetFl, 0);
        if (flags < 0 || Fcntl(fd, FSetFl, flags & ~O_NONBLOCK) < 0)
        {
            StorageErrors.ThrowLastSystem($"cannot set the flags of '{pathForErrors}'");
        }
    }

    /// <summary>ftruncate(2) with its errno: EFBIG past the filesystem's largest file (.NET's
    /// SetLength turns that into an ArgumentOutOfRangeException, which no caller expects).</summary>
    public static void Truncate(SafeFileHandle handle, ulong length, string pathForErrors)
    {
        if (length > long.MaxValue)
        {
            throw StorageErrors.System(EFBIG, $"cannot set the size of '{pathForErrors}' to {length} bytes");
        }
        if (Ftruncate((int)handle.DangerousGetHandle(), (long)length) != 0)
        {
            StorageErrors.ThrowLastSystem($"cannot set the size of '{pathForErrors}' to {length} bytes");
        }
    }

    /// <summary>fallocate(2); returns the errno (0 on success) so callers can fall back.</summary>
    public static int Fallocate(SafeFileHandle handle, int mode, long offset, long length) =>
        FallocateRaw((int)handle.DangerousGetHandle(), mode, offset, length) == 0 ? 0 : Marshal.GetLastPInvokeError();

    /// <summary>The next data offset at or after <paramref name="offset"/>, or -1 past the last data.</summary>
    public static long NextData(SafeFileHandle handle, long offset)
    {
        long r = Lseek((int)handle.DangerousGetHandle(), offset, SeekData);
        if (r < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            return errno == ENXIO ? -1 : throw StorageErrors.System(errno, "cannot seek to data");
        }
        return r;
    }

    /// <summary>The next hole offset at or after <paramref name="offset"/> (the end of file at worst).</summary>
    public static long NextHole(SafeFileHandle handle, long offset)
    {
        long r = Lseek((int)handle.DangerousGetHandle(), offset, SeekHole);
        return r >= 0 ? r : throw StorageErrors.System(Marshal.GetLastPInvokeError(), "cannot seek to hole");
    }

    /// <summary>unlink(2): removes a file or a symlink itself, never what it points to.</summary>
    public static void Unlink(string path, string what)
    {
        if (UnlinkRaw(path) != 0)
        {
            StorageErrors.ThrowLastSystem($"{what} '{path}'");
        }
    }

    /// <summary>rmdir(2): fails with ENOTEMPTY ("Directory not empty") unless empty.</summary>
    public static void Rmdir(string path, string what)
    {
        if (RmdirRaw(path) != 0)
        {
            StorageErrors.ThrowLastSystem($"{what} '{path}'");
        }
    }

    /// <summary>Sets owner and group (null: unchanged) without following a symlink.</summary>
    public static void Chown(string path, uint? owner, uint? group)
    {
        if ((owner is not null || group is not null) && Lchown(path, owner ?? uint.MaxValue, group ?? uint.MaxValue) != 0)
        {
            StorageErrors.ThrowLastSystem($"cannot chown '{path}' to ({(int)(owner ?? uint.MaxValue)}, {(int)(group ?? uint.MaxValue)})");
        }
    }

    /// <summary>Sets owner and group of an open file.</summary>
    public static void Chown(SafeFileHandle handle, string path, uint? owner, uint? group)
    {
        if ((owner is not null || group is not null) &&
            Fchown((int)handle.DangerousGetHandle(), owner ?? uint.MaxValue, group ?? uint.MaxValue) != 0)
        {
            StorageErrors.ThrowLastSystem($"cannot chown '{path}' to ({(int)(owner ?? uint.MaxValue)}, {(int)(group ?? uint.MaxValue)})");
        }
    }

    /// <summary>Shares <paramref name="source"/>'s blocks with <paramref name="target"/>
    /// (FICLONE, btrfs/xfs); returns the errno, 0 on success.</summary>
    public static int Reflink(SafeFileHandle target, SafeFileHandle source) =>
        Ioctl((int)target.DangerousGetHandle(), Ficlone, (int)source.DangerousGetHandle()) == 0
            ? 0
            : Marshal.GetLastPInvokeError();

    /// <summary>fdatasync(2).</summary>
    public static void DataSync(SafeFileHandle handle, string path)
    {
        if (Fdatasync((int)handle.DangerousGetHandle()) != 0)
        {
            StorageErrors.ThrowLastSystem($"cannot sync file '{path}'");
        }
    }

    /// <summary>lstat of <paramref name="name"/> in the directory <paramref name="dirfd"/>, or null when gone.</summary>
    public static FileStatus? StatAt(SafeFileHandle dirfd, string name, string pathForErrors)
    {
        if (StatCalls.Statx((int)dirfd.DangerousGetHandle(), name, AtSymlinkNoFollow, StatxBasicStatsAndBtime, out var buf) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            return errno == ENOENT ? null : throw StorageErrors.System(errno, $"cannot stat file '{pathForErrors}'");
        }
        return FileStatus.From(buf);
    }

    /// <summary>openat(dirfd, name, O_RDONLY|O_DIRECTORY|O_NOFOLLOW): null when the entry is
    /// not a directory any more (a symlink or file swapped in: ELOOP/ENOTDIR) or is gone.</summary>
    public static SafeFileHandle? OpenDirectoryAt(SafeFileHandle dirfd, string name, string pathForErrors)
    {
        int fd = OpenAt((int)dirfd.DangerousGetHandle(), name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            return errno is ELOOP or ENOTDIR or ENOENT ? null : throw StorageErrors.System(errno, $"cannot open directory '{pathForErrors}'");
        }
        return new SafeFileHandle(fd, ownsHandle: true);
    }

    /// <summary>
    /// openat2(2) of <paramref name="name"/> (one or more components, relative) beneath
    /// <paramref name="dirfd"/>, following no symbolic link at all (RESOLVE_BENEATH |
    /// RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS): a link anywhere in it fails with ELOOP,
    /// an escape with EXDEV. Null on failure, with <paramref name="errno"/> set.
    /// </summary>
    public static SafeFileHandle? OpenBeneath(SafeFileHandle dirfd, string name, int flags, uint mode, out int errno) =>
        OpenAt2(dirfd, name, flags, RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS, out errno, mode);

    /// <summary>The root directory as an O_PATH descriptor, where every target walk starts.</summary>
    public static SafeFileHandle OpenRoot()
    {
        int fd = OpenRaw("/", O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
        if (fd < 0)
        {
            StorageErrors.ThrowLastSystem("cannot open directory '/'");
        }
        return new SafeFileHandle(fd, ownsHandle: true);
    }

    /// <summary>mkdirat(2); returns the errno, 0 on success.</summary>
    public static int MkdirAt(SafeFileHandle dirfd, string name, uint mode) =>
        MkdirAtRaw((int)dirfd.DangerousGetHandle(), name, mode) == 0 ? 0 : Marshal.GetLastPInvokeError();

    /// <summary>unlinkat(2), failing on every error (ENOENT too).</summary>
    public static void RemoveAt(SafeFileHandle dirfd, string name, bool directory, string what)
    {
        if (UnlinkAtRaw((int)dirfd.DangerousGetHandle(), name, directory ? 0x200 : 0) != 0)
        {
            StorageErrors.ThrowLastSystem(what);
        }
    }

    [DllImport("libc", EntryPoint = "mkdirat", SetLastError = true)]
    private static extern int MkdirAtRaw(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint mode);

    /// <summary>unlinkat(2); <paramref name="directory"/> selects AT_REMOVEDIR. A vanished entry is not an error.</summary>
    public static void UnlinkAt(SafeFileHandle dirfd, string name, bool directory, string pathForErrors)
    {
        if (UnlinkAtRaw((int)dirfd.DangerousGetHandle(), name, directory ? 0x200 : 0) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno != ENOENT)
            {
                throw StorageErrors.System(errno, $"{(directory ? "cannot remove directory" : "cannot unlink file")} '{pathForErrors}'");
            }
        }
    }

    /// <summary>The names in an open directory ("." and ".." left out), read with
    /// fdopendir/readdir on a duplicate of the descriptor.</summary>
    public static List<string> ReadDirectory(SafeFileHandle dirfd, string pathForErrors) =>
        [.. ReadDirectoryTyped(dirfd, pathForErrors).Select(e => e.Name)];

    /// <summary><see cref="ReadDirectory"/> with each entry's d_type (DT_DIR 4, DT_UNKNOWN 0
    /// when the filesystem does not say).</summary>
    public static List<(string Name, byte Type)> ReadDirectoryTyped(SafeFileHandle dirfd, string pathForErrors)
    {
        int dup = Dup((int)dirfd.DangerousGetHandle());
        if (dup < 0)
        {
            StorageErrors.ThrowLastSystem($"cannot open directory '{pathForErrors}'");
        }
        IntPtr dir = FdOpenDir(dup);
        if (dir == IntPtr.Zero)
        {
            int errno = Marshal.GetLastPInvokeError();
            CloseRaw(dup);
            throw StorageErrors.System(errno, $"cannot open directory '{pathForErrors}'");
        }
        try
        {
            RewindDir(dir);
            var names = new List<(string, byte)>();
            IntPtr entry;
            // struct dirent (glibc, LP64): d_ino 8, d_off 8, d_reclen 2, d_type 1, then d_name.
            while ((entry = ReadDir(dir)) != IntPtr.Zero)
            {
                var name = Marshal.PtrToStringUTF8(entry + 19)!;
                if (name is not ("." or ".."))
                {
                    names.Add((name, Marshal.ReadByte(entry + 18)));
                }
            }
            return names;
        }
        finally
        {
            CloseDir(dir);
        }
    }

    // struct open_how (linux/openat2.h).
    [StructLayout(LayoutKind.Sequential)]
    private struct OpenHow
    {
        public ulong Flags;
        public ulong Mode;
        public ulong Resolve;
    }

    [DllImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static extern long Syscall(long number, long dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, ref OpenHow how, nuint size);

    [DllImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static extern int Fcntl(int fd, int cmd, int arg);

    [DllImport("libc", EntryPoint = "openat", SetLastError = true)]
    private static extern int OpenAt(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mode);

    [DllImport("libc", EntryPoint = "unlinkat", SetLastError = true)]
    private static extern int UnlinkAtRaw(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", EntryPoint = "dup", SetLastError = true)]
    private static extern int Dup(int fd);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    private static extern int CloseRaw(int fd);

    [DllImport("libc", EntryPoint = "fdopendir", SetLastError = true)]
    private static extern IntPtr FdOpenDir(int fd);

    [DllImport("libc", EntryPoint = "readdir64", SetLastError = true)]
    private static extern IntPtr ReadDir(IntPtr dir);

    [DllImport("libc", EntryPoint = "rewinddir")]
    private static extern void RewindDir(IntPtr dir);

    [DllImport("libc", EntryPoint = "closedir", SetLastError = true)]
    private static extern int CloseDir(IntPtr dir);

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int OpenRaw([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mode);

    [DllImport("libc", EntryPoint = "ftruncate", SetLastError = true)]
    private static extern int Ftruncate(int fd, long length);

    [DllImport("libc", EntryPoint = "fallocate", SetLastError = true)]
    private static extern int FallocateRaw(int fd, int mode, long offset, long length);

    [DllImport("libc", EntryPoint = "lseek", SetLastError = true)]
    private static extern long Lseek(int fd, long offset, int whence);

    [DllImport("libc", EntryPoint = "unlink", SetLastError = true)]
    private static extern int UnlinkRaw([MarshalAs(UnmanagedType.LPUTF8Str)] string path);

    [DllImport("libc", EntryPoint = "rmdir", SetLastError = true)]
    private static extern int RmdirRaw([MarshalAs(UnmanagedType.LPUTF8Str)] string path);

    [DllImport("libc", EntryPoint = "lchown", SetLastError = true)]
    private static extern int Lchown([MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint owner, uint group);

    [DllImport("libc", EntryPoint = "fchown", SetLastError = true)]
    private static extern int Fchown(int fd, uint owner, uint group);

    [DllImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static extern int Ioctl(int fd, ulong request, int arg);

    [DllImport("libc", EntryPoint = "fdatasync", SetLastError = true)]
    private static extern int Fdatasync(int fd);


}
