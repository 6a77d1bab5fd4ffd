using System.Buffers.Binary;
using System.Text;
using StorageFs.Core;

namespace StorageFs.Backends.Files;

/// <summary>
/// Walks a directory tree through directory fds only: every step is
/// openat(parent_fd, name, O_DIRECTORY|O_NOFOLLOW), so a symlink, or a directory swapped
/// for a symlink mid-walk, is never entered (the open fails with ELOOP/ENOTDIR and the
/// link itself is unlinked or measured). Names stay raw bytes, so entries whose names
/// are not UTF-8 are handled too. The walk never crosses into another mount (st_dev
/// change or STATX_ATTR_MOUNT_ROOT): deletion refuses, measuring skips. Iterative, so
/// depth is bounded by open fds, not the thread stack. Same semantics as gnulib's fts
/// with FTS_PHYSICAL|FTS_XDEV as used by `rm -rf --one-file-system` and `du -x`.
/// </summary>
internal static class DirectoryTree
{
    private const int MaxRelists = 16;

    private sealed class Frame(int fd, byte[] name, string path)
    {
        public int Fd { get; } = fd;

        public byte[] Name { get; } = name;

        public string Path { get; } = path;

        public Stack<byte[]> Pending { get; } = new();

        public int Listings { get; set; }
    }

    /// <summary>Opens a directory to start a walk from; follows symlinks in <paramref name="path"/>.</summary>
    public static int OpenRoot(string path)
    {
        int fd = LibC.Open(path, LibC.ORdOnly | LibC.ODirectory | LibC.OCloExec, 0);
        if (fd < 0)
        {
            throw LibC.Failure($"cannot open directory '{path}'");
        }

        return fd;
    }

    /// <summary>
    /// Removes <paramref name="name"/> under <paramref name="parentFd"/>: a whole tree if it is
    /// a real directory, else only the entry itself (a symlink is removed, never followed).
    /// </summary>
    public static void Delete(int parentFd, string name, string path)
    {
        byte[] rawName = Raw(name);
        int fd = LibC.OpenAt(parentFd, rawName, LibC.ORdOnly | LibC.ODirectory | LibC.ONoFollow | LibC.OCloExec, 0);
        if (fd < 0)
        {
            int errno = LibC.LastErrno();
            if (errno is LibC.ENOTDIR or LibC.ELOOP)
            {
                Unlink(parentFd, rawName, path);
                return;
            }

            throw LibC.Failure($"cannot open '{path}'", errno);
        }

        FileStatus top = StatFd(fd, path);
        if (top.IsMountRoot)
        {
            _ = LibC.Close(fd);
            throw new StorageException(ErrorCode.OperationFailed, $"refusing to delete '{path}': it is a mount point", LibC.EXDEV);
        }

        var stack = new Stack<Frame>();
        stack.Push(new Frame(fd, rawName, path));
        try
        {
            while (stack.Count > 0)
            {
                Frame frame = stack.Peek();
                if (frame.Pending.Count == 0 && !Relist(frame))
                {
                    stack.Pop();
                    _ = LibC.Close(frame.Fd);
                    int parent = stack.Count > 0 ? stack.Peek().Fd : parentFd;
                    if (LibC.UnlinkAt(parent, frame.Name, LibC.AtRemoveDir) != 0 && LibC.LastErrno() != LibC.ENOENT)
                    {
                        throw LibC.Failure($"cannot remove directory '{frame.Path}'");
                    }

                    continue;
                }

                byte[] child = frame.Pending.Pop();
                string childPath = frame.Path + "/" + Text(child);
                int childFd = LibC.OpenAt(frame.Fd, child, LibC.ORdOnly | LibC.ODirectory | LibC.ONoFollow | LibC.OCloExec, 0);
                if (childFd >= 0)
                {
                    FileStatus status = StatFd(childFd, childPath);
                    if (status.IsMountRoot || status.DeviceMajor != top.DeviceMajor || status.DeviceMinor != top.DeviceMinor)
                    {
                        _ = LibC.Close(childFd);
                        throw new StorageException(
                            ErrorCode.OperationFailed,
                            $"refusing to delete '{path}': '{childPath}' is a mount point",
                            LibC.EXDEV);
                    }

                    stack.Push(new Frame(childFd, child, childPath));
                    continue;
                }

                int errno = LibC.LastErrno();
                if (errno is LibC.ENOTDIR or LibC.ELOOP)
                {
                    if (LibC.UnlinkAt(frame.Fd, child, 0) != 0)
                    {
                        errno = LibC.LastErrno();
                        if (errno == LibC.EISDIR)
                        {
                            frame.Pending.Push(child); // replaced by a directory meanwhile: walk it
                        }
                        else if (errno != LibC.ENOENT)
                        {
                            throw LibC.Failure($"cannot remove file '{childPath}'", errno);
                        }
                    }
                }
                else if (errno != LibC.ENOENT)
                {
                    throw LibC.Failure($"cannot open '{childPath}'", errno);
                }
            }
        }
        finally
        {
            while (stack.Count > 0)
            {
                _ = LibC.Close(stack.Pop().Fd);
            }
        }
    }

    /// <summary>
    /// Bytes allocated to <paramref name="name"/> and everything below it (st_blocks × 512
    /// of each inode once, hard links counted once, symlinks not followed, other mounts
    /// skipped): what `du -sxB1` prints, libvirt's fspool item allocation.
    /// </summary>
    public static long Measure(int parentFd, string name, string path)
    {
        byte[] rawName = Raw(name);
        FileStatus self = StatAt(parentFd, rawName, path);
        if (self.Kind != FileKind.Directory)
        {
            return self.Allocation;
        }

        int fd = LibC.OpenAt(parentFd, rawName, LibC.ORdOnly | LibC.ODirectory | LibC.ONoFollow | LibC.OCloExec, 0);
        if (fd < 0)
        {
            throw LibC.Failure($"cannot open directory '{path}'");
        }

        long total = self.Allocation;
        var seen = new HashSet<(uint, uint, ulong)>();
        var stack = new Stack<Frame>();
        stack.Push(new Frame(fd, rawName, path));
        try
        {
            while (stack.Count > 0)
            {
                Frame frame = stack.Pop();
                try
                {
                    foreach (byte[] child in List(frame.Fd, frame.Path))
                    {
                        string childPath = frame.Path + "/" + Text(child);
                        FileStatus status;
                        try
                        {
                            status = StatAt(frame.Fd, child, childPath);
                        }
                        catch (StorageException e) when (e.OsErrno == LibC.ENOENT)
                        {
                            continue; // removed while we walk
                        }

                        if (status.LinkCount > 1 && status.Kind != FileKind.Directory
                            && !seen.Add((status.DeviceMajor, status.DeviceMinor, status.Inode)))
                        {
                            continue;
                        }

                        if (status.Kind != FileKind.Directory)
                        {
                            total += status.Allocation;
                            continue;
                        }

                        if (status.IsMountRoot || status.DeviceMajor != self.DeviceMajor || status.DeviceMinor != self.DeviceMinor)
                        {
                            continue;
                        }

                        total += status.Allocation;
                        int childFd = LibC.OpenAt(frame.Fd, child, LibC.ORdOnly | LibC.ODirectory | LibC.ONoFollow | LibC.OCloExec, 0);
                        if (childFd >= 0)
                        {
                            stack.Push(new Frame(childFd, child, childPath));
                        }
                    }
                }
                finally
                {
                    _ = LibC.Close(frame.Fd);
                }
            }
        }
        finally
        {
            while (stack.Count > 0)
            {
                _ = LibC.Close(stack.Pop().Fd);
            }
        }

        return total;
    }

    /// <summary>Refills a frame's pending names; false once the directory is empty.</summary>
    private static bool Relist(Frame frame)
    {
        if (++frame.Listings > MaxRelists)
        {
            throw new StorageException(ErrorCode.OperationFailed, $"cannot remove directory '{frame.Path}': it keeps getting new entries", LibC.ENOTEMPTY);
        }

        foreach (byte[] name in List(frame.Fd, frame.Path))
        {
            frame.Pending.Push(name);
        }

        return frame.Pending.Count > 0;
    }

    /// <summary>Every entry but "." and "..", as NUL-terminated raw names (getdents64).</summary>
    private static List<byte[]> List(int fd, string path)
    {
        if (LibC.Lseek(fd, 0, 0) < 0)
        {
            throw LibC.Failure($"cannot read directory '{path}'");
        }

        var names = new List<byte[]>();
        byte[] buffer = new byte[32 * 1024];
        while (true)
        {
            nint n = LibC.Getdents64(fd, buffer, (nuint)buffer.Length);
            if (n < 0)
            {
                throw LibC.Failure($"cannot read directory '{path}'");
            }

            if (n == 0)
            {
                return names;
            }

            // struct linux_dirent64: d_ino u64, d_off s64, d_reclen u16, d_type u8, d_name[].
            for (int offset = 0; offset < n;)
            {
                int length = BinaryPrimitives.ReadUInt16LittleEndian(buffer.AsSpan(offset + 16));
                ReadOnlySpan<byte> name = buffer.AsSpan(offset + 19, length - 19);
                name = name[..name.IndexOf((byte)0)];
                if (!name.SequenceEqual("."u8) && !name.SequenceEqual(".."u8))
                {
                    names.Add([.. name, 0]);
                }

                offset += length;
            }
        }
    }

    private static void Unlink(int parentFd, byte[] name, string path)
    {
        if (LibC.UnlinkAt(parentFd, name, 0) != 0)
        {
            throw LibC.Failure($"cannot remove file '{path}'");
        }
    }

    private static FileStatus StatFd(int fd, string path)
    {
        byte[] buffer = new byte[256];
        if (LibC.Statx(fd, [0], LibC.AtEmptyPath, LibC.StatxBasicStats, buffer) != 0)
        {
            throw LibC.Failure($"cannot stat file '{path}'");
        }

        return FileStatus.FromStatx(buffer);
    }

    private static FileStatus StatAt(int dirFd, byte[] name, string path)
    {
        byte[] buffer = new byte[256];
        if (LibC.Statx(dirFd, name, LibC.AtSymlinkNoFollow, LibC.StatxBasicStats, buffer) != 0)
        {
            throw LibC.Failure($"cannot stat file '{path}'");
        }

        return FileStatus.FromStatx(buffer);
    }

    private static byte[] Raw(string name) => [.. Encoding.UTF8.GetBytes(name), 0];

    private static string Text(byte[] raw) => Encoding.UTF8.GetString(raw, 0, raw.Length - 1);
}
