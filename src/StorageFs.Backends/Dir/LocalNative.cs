using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using StorageFs.Backends.Files;
using StorageFs.Core;
using StorageFs.Core.Backend;

namespace StorageFs.Backends.Dir;

/// <summary>
/// The libc calls the dir backend needs beyond <see cref="FileFacts"/> and
/// <see cref="LibC"/>: open with O_NOFOLLOW into a <see cref="SafeFileHandle"/>, fstat,
/// fallocate (allocation and hole punching), lseek SEEK_DATA/SEEK_HOLE, unlink/rmdir keeping
/// errno, lchown/fchown, FICLONE, fdatasync. Failures throw <see cref="StorageException"/> in
/// libvirt's "what: strerror" wording with the errno kept.
/// </summary>
internal static class LocalNative
{
    public const int ENXIO = 6;
    public const int EOPNOTSUPP = 95;

    public const int O_RDONLY = 0;
    public const int O_WRONLY = 1;
    public const int O_RDWR = 2;
    public const int O_CREAT = 0x40;
    public const int O_EXCL = 0x80;

    public const int FALLOC_FL_KEEP_SIZE = 0x01;
    public const int FALLOC_FL_PUNCH_HOLE = 0x02;

    private const int SeekData = 3;
    private const int SeekHole = 4;
    private const ulong Ficlone = 0x40049409;

    /// <summary>O_NOFOLLOW for this architecture.</summary>
    public static int O_NOFOLLOW => LibC.ONoFollow;

    /// <summary>O_DIRECTORY for this architecture.</summary>
    public static int O_DIRECTORY => LibC.ODirectory;

    /// <summary>stat (lstat when <paramref name="followSymlinks"/> is false), or null when the
    /// path does not exist.</summary>
    public static FileStatus? TryStat(string path, bool followSymlinks)
    {
        try
        {
            return FileFacts.Stat(path, followSymlinks);
        }
        catch (StorageException e) when (e.OsErrno is LibC.ENOENT or LibC.ENOTDIR or LibC.ELOOP)
        {
            return null;
        }
    }

    /// <summary>fstat of an open file (statx with AT_EMPTY_PATH).</summary>
    public static FileStatus Stat(SafeFileHandle handle, string pathForErrors)
    {
        var buffer = new byte[256];
        if (LibC.Statx(Fd(handle), "", LibC.AtEmptyPath, LibC.StatxBasicStats | LibC.StatxBtime, buffer) != 0)
        {
            StorageErrors.ThrowLastSystem($"cannot stat file '{pathForErrors}'");
        }
        return FileStatus.FromStatx(buffer);
    }

    /// <summary>open(2) with O_CLOEXEC; "<paramref name="what"/> 'path': strerror" on failure.</summary>
    public static SafeFileHandle Open(string path, int flags, uint mode, string what)
    {
        int fd = LibC.Open(path, flags | LibC.OCloExec, mode);
        if (fd < 0)
        {
            StorageErrors.ThrowLastSystem($"{what} '{path}'");
        }
        return new SafeFileHandle(fd, ownsHandle: true);
    }

    /// <summary>fallocate(2); returns the errno (0 on success) so callers can fall back.</summary>
    public static int Fallocate(SafeFileHandle handle, int mode, long offset, long length) =>
        FallocateRaw(Fd(handle), mode, offset, length) == 0 ? 0 : Marshal.GetLastPInvokeError();

    /// <summary>The next data offset at or after <paramref name="offset"/>, or -1 past the last data.</summary>
    public static long NextData(SafeFileHandle handle, long offset)
    {
        long r = LibC.Lseek(Fd(handle), offset, SeekData);
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
        long r = LibC.Lseek(Fd(handle), offset, SeekHole);
        return r >= 0 ? r : throw StorageErrors.System(Marshal.GetLastPInvokeError(), "cannot seek to hole");
    }

    /// <summary>unlink(2): removes a file or a symlink itself, never what it points to.</summary>
    public static void Unlink(string path, string what)
    {
        if (LibC.UnlinkAt(LibC.AtFdCwd, path, 0) != 0)
        {
            StorageErrors.ThrowLastSystem($"{what} '{path}'");
        }
    }

    /// <summary>rmdir(2): fails with ENOTEMPTY ("Directory not empty") unless empty.</summary>
    public static void Rmdir(string path, string what)
    {
        if (LibC.UnlinkAt(LibC.AtFdCwd, path, LibC.AtRemoveDir) != 0)
        {
            StorageErrors.ThrowLastSystem($"{what} '{path}'");
        }
    }

    /// <summary>Sets owner and group (null: unchanged) without following a symlink.</summary>
    public static void Chown(string path, uint? owner, uint? group)
    {
        if ((owner is not null || group is not null) && Lchown(path, owner ?? uint.MaxValue, group ?? uint.MaxValue) != 0)
        {
            StorageErrors.ThrowLastSystem($"cannot chown '{path}' to ({Id(owner)}, {Id(group)})");
        }
    }

    /// <summary>Sets owner and group of an open file.</summary>
    public static void Chown(SafeFileHandle handle, string path, uint? owner, uint? group)
    {
        if ((owner is not null || group is not null) && LibC.Fchown(Fd(handle), owner ?? uint.MaxValue, group ?? uint.MaxValue) != 0)
        {
            StorageErrors.ThrowLastSystem($"cannot chown '{path}' to ({Id(owner)}, {Id(group)})");
        }
    }

    /// <summary>Shares <paramref name="source"/>'s blocks with <paramref name="target"/>
    /// (FICLONE, btrfs/xfs); returns the errno, 0 on success.</summary>
    public static int Reflink(SafeFileHandle target, SafeFileHandle source) =>
        Ioctl(Fd(target), Ficlone, Fd(source)) == 0 ? 0 : Marshal.GetLastPInvokeError();

    /// <summary>fdatasync(2).</summary>
    public static void DataSync(SafeFileHandle handle, string path)
    {
        if (Fdatasync(Fd(handle)) != 0)
        {
            StorageErrors.ThrowLastSystem($"cannot sync file '{path}'");
        }
    }

    private static int Fd(SafeFileHandle handle) => (int)handle.DangerousGetHandle();

    private static string Id(uint? id) => id is { } v ? v.ToString(System.Globalization.CultureInfo.InvariantCulture) : "-1";

    [DllImport("libc", EntryPoint = "fallocate", SetLastError = true)]
    private static extern int FallocateRaw(int fd, int mode, long offset, long length);

    [DllImport("libc", EntryPoint = "lchown", SetLastError = true)]
    private static extern int Lchown([MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint owner, uint group);

    [DllImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static extern int Ioctl(int fd, ulong request, int arg);

    [DllImport("libc", EntryPoint = "fdatasync", SetLastError = true)]
    private static extern int Fdatasync(int fd);
}
