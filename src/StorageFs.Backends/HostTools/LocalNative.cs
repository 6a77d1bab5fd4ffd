using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using StorageFs.Core.Backend;
using StorageFs.Interop;

namespace StorageFs.Backends.HostTools;

/// <summary>
/// The local (dir and fspool-dir) backends' use of the libc calls .NET lacks: statx with
/// st_blocks and both device numbers, statvfs, open with Libc.O_NOFOLLOW, openat2 with RESOLVE_*
/// flags (through syscall(2): glibc has no wrapper), fcntl flags, fallocate (hole punching),
/// lseek SEEK_DATA/SEEK_HOLE, unlink/rmdir with errno, chown, FICLONE. Every wrapper throws
/// <see cref="StorageException"/> with libvirt's "what: strerror" wording on failure.
/// The bindings are <see cref="Libc"/> and <see cref="StatCalls"/> (src/StorageFs.Interop);
/// struct dirent is glibc's LP64 layout (x86_64, aarch64).
/// </summary>
internal static class LocalNative
{
    private const uint StatxBasicStatsAndBtime = StatCalls.BasicStatsAndBtime;
    private const ulong Ficlone = 0x40049409; // _IOW(0x94, 9, int), linux/fs.h

    /// <summary>stat (following symlinks unless <paramref name="noFollow"/>), or null when the
    /// path does not exist ((int)Errno.ENOENT/(int)Errno.ENOTDIR).</summary>
    public static FileStatus? Stat(string path, bool noFollow)
    {
        if (StatCalls.Statx(Libc.AT_FDCWD, path, noFollow ? Libc.AT_SYMLINK_NOFOLLOW : 0, StatxBasicStatsAndBtime, out var buf) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno is (int)Errno.ENOENT or (int)Errno.ENOTDIR or (int)Errno.ELOOP)
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
    /// <see cref="Libc.O_NOFOLLOW"/> is among <paramref name="flags"/> ((int)Errno.ELOOP).</summary>
    public static SafeFileHandle Open(string path, int flags, uint mode, string what)
    {
        int fd = Libc.Open(path, flags | Libc.O_CLOEXEC, mode);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw StorageErrors.System(errno, $"{what} '{path}'");
        }
        return new SafeFileHandle(fd, ownsHandle: true);
    }

    /// <summary>
    /// openat2(2) of <paramref name="path"/> relative to <paramref name="dirfd"/> (the working
    /// directory when null) with <paramref name="resolve"/> (RESOLVE_*), Libc.O_CLOEXEC added. Returns
    /// the descriptor, or null with <paramref name="errno"/> set.
    /// </summary>
    public static SafeFileHandle? OpenAt2(SafeFileHandle? dirfd, string path, int flags, ulong resolve, out int errno, uint mode = 0)
    {
        var how = new Libc.OpenHow { Flags = (ulong)(uint)(flags | Libc.O_CLOEXEC), Mode = mode, Resolve = resolve };
        long fd;
        do
        {
            fd = Libc.OpenAt2(dirfd is null ? Libc.AT_FDCWD : (int)dirfd.DangerousGetHandle(), path, ref how);
            errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
        }
        while (fd < 0 && errno == (int)Errno.EINTR);
        return fd < 0 ? null : new SafeFileHandle((nint)fd, ownsHandle: true);
    }

    /// <summary>Clears Libc.O_NONBLOCK (set at open so a FIFO or device swapped in cannot block the open).</summary>
    public static void ClearNonBlocking(SafeFileHandle handle, string pathForErrors)
    {
        int fd = (int)handle.DangerousGetHandle();
        int flags = Libc.Fcntl(fd, Libc.F_GETFL, 0);
        if (flags < 0 || Libc.Fcntl(fd, Libc.F_SETFL, flags & ~Libc.O_NONBLOCK) < 0)
        {
            StorageErrors.ThrowLastSystem($"cannot set the flags of '{pathForErrors}'");
        }
    }

    /// <summary>ftruncate(2) with its errno: (int)Errno.EFBIG past the filesystem's largest file (.NET's
    /// SetLength turns that into an ArgumentOutOfRangeException, which no caller expects).</summary>
    public static void Truncate(SafeFileHandle handle, ulong length, string pathForErrors)
    {
        if (length > long.MaxValue)
        {
            throw StorageErrors.System((int)Errno.EFBIG, $"cannot set the size of '{pathForErrors}' to {length} bytes");
        }
        if (Libc.Ftruncate((int)handle.DangerousGetHandle(), (long)length) != 0)
        {
            StorageErrors.ThrowLastSystem($"cannot set the size of '{pathForErrors}' to {length} bytes");
        }
    }

    /// <summary>fallocate(2); returns the errno (0 on success) so callers can fall back.</summary>
    public static int Fallocate(SafeFileHandle handle, int mode, long offset, long length) =>
        Libc.Fallocate((int)handle.DangerousGetHandle(), mode, offset, length) == 0 ? 0 : Marshal.GetLastPInvokeError();

    /// <summary>The next data offset at or after <paramref name="offset"/>, or -1 past the last data.</summary>
    public static long NextData(SafeFileHandle handle, long offset)
    {
        long r = Libc.Lseek((int)handle.DangerousGetHandle(), offset, Libc.SEEK_DATA);
        if (r < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            return errno == (int)Errno.ENXIO ? -1 : throw StorageErrors.System(errno, "cannot seek to data");
        }
        return r;
    }

    /// <summary>The next hole offset at or after <paramref name="offset"/> (the end of file at worst).</summary>
    public static long NextHole(SafeFileHandle handle, long offset)
    {
        long r = Libc.Lseek((int)handle.DangerousGetHandle(), offset, Libc.SEEK_HOLE);
        return r >= 0 ? r : throw StorageErrors.System(Marshal.GetLastPInvokeError(), "cannot seek to hole");
    }

    /// <summary>unlink(2): removes a file or a symlink itself, never what it points to.</summary>
    public static void Unlink(string path, string what)
    {
        if (Libc.Unlink(path) != 0)
        {
            StorageErrors.ThrowLastSystem($"{what} '{path}'");
        }
    }

    /// <summary>rmdir(2): fails with (int)Errno.ENOTEMPTY ("Directory not empty") unless empty.</summary>
    public static void Rmdir(string path, string what)
    {
        if (Libc.Rmdir(path) != 0)
        {
            StorageErrors.ThrowLastSystem($"{what} '{path}'");
        }
    }

    /// <summary>Sets owner and group (null: unchanged) without following a symlink.</summary>
    public static void Chown(string path, uint? owner, uint? group)
    {
        if ((owner is not null || group is not null) && Libc.Lchown(path, owner ?? uint.MaxValue, group ?? uint.MaxValue) != 0)
        {
            StorageErrors.ThrowLastSystem($"cannot chown '{path}' to ({(int)(owner ?? uint.MaxValue)}, {(int)(group ?? uint.MaxValue)})");
        }
    }

    /// <summary>Sets owner and group of an open file.</summary>
    public static void Chown(SafeFileHandle handle, string path, uint? owner, uint? group)
    {
        if ((owner is not null || group is not null) &&
            Libc.Fchown((int)handle.DangerousGetHandle(), owner ?? uint.MaxValue, group ?? uint.MaxValue) != 0)
        {
            StorageErrors.ThrowLastSystem($"cannot chown '{path}' to ({(int)(owner ?? uint.MaxValue)}, {(int)(group ?? uint.MaxValue)})");
        }
    }

    /// <summary>Shares <paramref name="source"/>'s blocks with <paramref name="target"/>
    /// (FICLONE, btrfs/xfs); returns the errno, 0 on success.</summary>
    public static int Reflink(SafeFileHandle target, SafeFileHandle source) =>
        Libc.IoctlInt((int)target.DangerousGetHandle(), (nuint)Ficlone, source.DangerousGetHandle()) == 0
            ? 0
            : Marshal.GetLastPInvokeError();

    /// <summary>fdatasync(2).</summary>
    public static void DataSync(SafeFileHandle handle, string path)
    {
        if (Libc.Fdatasync((int)handle.DangerousGetHandle()) != 0)
        {
            StorageErrors.ThrowLastSystem($"cannot sync file '{path}'");
        }
    }

    /// <summary>lstat of <paramref name="name"/> in the directory <paramref name="dirfd"/>, or null when gone.</summary>
    public static FileStatus? StatAt(SafeFileHandle dirfd, string name, string pathForErrors)
    {
        if (StatCalls.Statx((int)dirfd.DangerousGetHandle(), name, Libc.AT_SYMLINK_NOFOLLOW, StatxBasicStatsAndBtime, out var buf) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            return errno == (int)Errno.ENOENT ? null : throw StorageErrors.System(errno, $"cannot stat file '{pathForErrors}'");
        }
        return FileStatus.From(buf);
    }

    /// <summary>openat(dirfd, name, Libc.O_RDONLY|Libc.O_DIRECTORY|Libc.O_NOFOLLOW): null when the entry is
    /// not a directory any more (a symlink or file swapped in: (int)Errno.ELOOP/(int)Errno.ENOTDIR) or is gone.</summary>
    public static SafeFileHandle? OpenDirectoryAt(SafeFileHandle dirfd, string name, string pathForErrors)
    {
        int fd = Libc.OpenAt((int)dirfd.DangerousGetHandle(), name, Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_NOFOLLOW | Libc.O_CLOEXEC, 0);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            return errno is (int)Errno.ELOOP or (int)Errno.ENOTDIR or (int)Errno.ENOENT ? null : throw StorageErrors.System(errno, $"cannot open directory '{pathForErrors}'");
        }
        return new SafeFileHandle(fd, ownsHandle: true);
    }

    /// <summary>
    /// openat2(2) of <paramref name="name"/> (one or more components, relative) beneath
    /// <paramref name="dirfd"/>, following no symbolic link at all (Libc.RESOLVE_BENEATH |
    /// Libc.RESOLVE_NO_SYMLINKS | Libc.RESOLVE_NO_MAGICLINKS): a link anywhere in it fails with (int)Errno.ELOOP,
    /// an escape with EXDEV. Null on failure, with <paramref name="errno"/> set.
    /// </summary>
    public static SafeFileHandle? OpenBeneath(SafeFileHandle dirfd, string name, int flags, uint mode, out int errno) =>
        OpenAt2(dirfd, name, flags, Libc.RESOLVE_BENEATH | Libc.RESOLVE_NO_SYMLINKS | Libc.RESOLVE_NO_MAGICLINKS, out errno, mode);

    /// <summary>The root directory as an Libc.O_PATH descriptor, where every target walk starts.</summary>
    public static SafeFileHandle OpenRoot()
    {
        int fd = Libc.Open("/", Libc.O_PATH | Libc.O_DIRECTORY | Libc.O_CLOEXEC, 0);
        if (fd < 0)
        {
            StorageErrors.ThrowLastSystem("cannot open directory '/'");
        }
        return new SafeFileHandle(fd, ownsHandle: true);
    }

    /// <summary>mkdirat(2); returns the errno, 0 on success.</summary>
    public static int MkdirAt(SafeFileHandle dirfd, string name, uint mode) =>
        Libc.MkdirAt((int)dirfd.DangerousGetHandle(), name, mode) == 0 ? 0 : Marshal.GetLastPInvokeError();

    /// <summary>unlinkat(2), failing on every error ((int)Errno.ENOENT too).</summary>
    public static void RemoveAt(SafeFileHandle dirfd, string name, bool directory, string what)
    {
        if (Libc.UnlinkAt((int)dirfd.DangerousGetHandle(), name, directory ? 0x200 : 0) != 0)
        {
            StorageErrors.ThrowLastSystem(what);
        }
    }

    /// <summary>unlinkat(2); <paramref name="directory"/> selects AT_REMOVEDIR. A vanished entry is not an error.</summary>
    public static void UnlinkAt(SafeFileHandle dirfd, string name, bool directory, string pathForErrors)
    {
        if (Libc.UnlinkAt((int)dirfd.DangerousGetHandle(), name, directory ? 0x200 : 0) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno != (int)Errno.ENOENT)
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
        int dup = Libc.Dup((int)dirfd.DangerousGetHandle());
        if (dup < 0)
        {
            StorageErrors.ThrowLastSystem($"cannot open directory '{pathForErrors}'");
        }
        IntPtr dir = Libc.FdOpenDir(dup);
        if (dir == IntPtr.Zero)
        {
            int errno = Marshal.GetLastPInvokeError();
            Libc.Close(dup);
            throw StorageErrors.System(errno, $"cannot open directory '{pathForErrors}'");
        }
        try
        {
            Libc.RewindDir(dir);
            var names = new List<(string, byte)>();
            IntPtr entry;
            // struct dirent (glibc, LP64): d_ino 8, d_off 8, d_reclen 2, d_type 1, then d_name.
            while ((entry = Libc.ReadDir(dir)) != IntPtr.Zero)
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
            Libc.CloseDir(dir);
        }
    }
}
