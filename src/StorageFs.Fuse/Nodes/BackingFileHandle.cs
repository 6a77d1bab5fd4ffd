using Microsoft.Win32.SafeHandles;

namespace StorageFs.Fuse.Nodes;

/// <summary>
/// A handle whose bytes live in a host file. With passthrough the kernel does reads and writes
/// itself and only the other operations arrive here; without it this class serves them all with
/// pread/pwrite on the same descriptor, so behaviour is the same either way. Owns the descriptor.
/// </summary>
public class BackingFileHandle : FileHandle
{
    private readonly SafeFileHandle _file;

    public BackingFileHandle(SafeFileHandle file) => _file = file;

    /// <summary>
    /// Opens <paramref name="path"/> for an OPEN with <paramref name="flags"/>. The descriptor is
    /// opened read-write when the host allows it, whatever the caller asked, because every open
    /// of a node shares the first open's backing file under passthrough; the kernel still
    /// enforces the caller's own access mode. O_TRUNC is honoured (the server negotiates
    /// atomic_o_trunc); O_APPEND is dropped because the kernel supplies append offsets and Linux
    /// pwrite would ignore them on an O_APPEND descriptor. O_DIRECT is dropped too: it is the
    /// kernel's business on the FUSE side (no page cache for that open), while on the host
    /// descriptor it would demand block-aligned offsets, sizes and buffers that a READ at any
    /// offset into the reply buffer (16 bytes past its start) never has, so pread fails EINVAL.
    /// </summary>
    public static Errno Open(string path, int flags, out BackingFileHandle? handle)
    {
        handle = null;
        int common = (flags & ~(Libc.O_CREAT | Libc.O_EXCL | Libc.O_APPEND | Libc.O_DIRECT | Libc.O_ACCMODE)) | Libc.O_CLOEXEC;
        int fd = Libc.Open(path, common | Libc.O_RDWR, 0);
        if (fd < 0 && (flags & Libc.O_ACCMODE) != Libc.O_RDWR && Libc.LastErrno is (int)Errno.EACCES or (int)Errno.EROFS or (int)Errno.EPERM)
            fd = Libc.Open(path, common | (flags & Libc.O_ACCMODE), 0);
        if (fd < 0)
            return (Errno)Libc.LastErrno;
        handle = new BackingFileHandle(new SafeFileHandle(fd, ownsHandle: true));
        return Errno.Ok;
    }

    public override SafeHandle Backing => _file;

    /// <summary>Locks are taken on the host file, so the host's lockers and ours see each other.</summary>
    public override FileLocks Locks => FileLocks.Host;

    public int Fd => (int)_file.DangerousGetHandle();

    /// <summary>Hands the descriptor to a new owner (a derived handle wrapping this one); this handle must not be used afterwards.</summary>
    public SafeFileHandle TakeFile() => _file;

    public override unsafe Errno Read(RequestContext ctx, long offset, Span<byte> buffer, out int bytesRead)
    {
        bytesRead = 0;
        fixed (byte* p = buffer)
        {
            while (bytesRead < buffer.Length)
            {
                nint n = Libc.Pread(Fd, p + bytesRead, buffer.Length - bytesRead, offset + bytesRead);
                if (n < 0)
                {
                    int err = Libc.LastErrno;
                    if (err == (int)Errno.EINTR)
                        continue;
                    return bytesRead > 0 ? Errno.Ok : (Errno)err;
                }
                if (n == 0)
                    break;
                bytesRead += (int)n;
            }
        }
        return Errno.Ok;
    }

    public override unsafe Errno Write(RequestContext ctx, long offset, ReadOnlySpan<byte> data, out int bytesWritten)
    {
        bytesWritten = 0;
        fixed (byte* p = data)
        {
            while (bytesWritten < data.Length)
            {
                nint n = Libc.Pwrite(Fd, p + bytesWritten, data.Length - bytesWritten, offset + bytesWritten);
                if (n < 0)
                {
                    int err = Libc.LastErrno;
                    if (err == (int)Errno.EINTR)
                        continue;
                    return bytesWritten > 0 ? Errno.Ok : (Errno)err;
                }
                bytesWritten += (int)n;
            }
        }
        return Errno.Ok;
    }

    public override Errno Fsync(RequestContext ctx, bool dataOnly) =>
        (dataOnly ? Libc.Fdatasync(Fd) : Libc.Fsync(Fd)) == 0 ? Errno.Ok : (Errno)Libc.LastErrno;

    public override Errno Fallocate(RequestContext ctx, int mode, long offset, long length) =>
        Libc.Fallocate(Fd, mode, offset, length) == 0 ? Errno.Ok : (Errno)Libc.LastErrno;

    public override Errno Lseek(RequestContext ctx, long offset, int whence, out long result)
    {
        result = Libc.Lseek(Fd, offset, whence);
        return result >= 0 ? Errno.Ok : (Errno)Libc.LastErrno;
    }

    public override unsafe Errno CopyFileRange(RequestContext ctx, long offsetIn, FileHandle destination, long offsetOut, long length, out long copied)
    {
        copied = 0;
        if (destination is not BackingFileHandle dest)
            return Errno.EOPNOTSUPP;
        long inOff = offsetIn, outOff = offsetOut;
        while (copied < length)
        {
            nint n = Libc.CopyFileRange(Fd, &inOff, dest.Fd, &outOff, (nint)Math.Min(length - copied, 1L << 30), 0);
            if (n < 0)
            {
                int err = Libc.LastErrno;
                if (err == (int)Errno.EINTR)
                    continue;
                return copied > 0 ? Errno.Ok : (Errno)err;
            }
            if (n == 0)
                break;
            copied += n;
        }
        return Errno.Ok;
    }

    public override void Release() => _file.Dispose();

    /// <summary>Truncates or extends the backing file (for SETATTR size on an open handle).</summary>
    public Errno Truncate(long size) => Libc.Ftruncate(Fd, size) == 0 ? Errno.Ok : (Errno)Libc.LastErrno;
}
