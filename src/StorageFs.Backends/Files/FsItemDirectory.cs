using System.Text;
using StorageFs.Core;

namespace StorageFs.Backends.Files;

/// <summary>
/// The item operations of a dir fspool: an item is one subdirectory of the pool root
/// (libvirt fspool series, src/fs/fs_backend_dir.c). Invariant: an operation only ever
/// touches the entry named by the item and what lies physically below it. Item names
/// are single path components (no '/', NUL, leading '.', so no "." or ".."), and every
/// step below the root goes through <see cref="DirectoryTree"/>, which never follows a
/// symlink and never crosses a mount. The pool root itself is opened by path (it is the
/// administrator's configuration and may be a symlink).
/// </summary>
public static class FsItemDirectory
{
    /// <summary>NAME_MAX of Linux filesystems (linux/limits.h).</summary>
    public const int MaxNameBytes = 255;

    /// <summary>Throws InvalidArg unless <paramref name="name"/> is one safe path component.</summary>
    public static void ValidateName(string name)
    {
        string? problem =
            name.Length == 0 ? "cannot be empty"
            : name.Contains('/', StringComparison.Ordinal) ? "cannot contain '/'"
            : name.Contains('\0', StringComparison.Ordinal) ? "cannot contain NUL"
            : name[0] == '.' ? "cannot start with '.'"
            : Encoding.UTF8.GetByteCount(name) > MaxNameBytes ? $"is longer than {MaxNameBytes} bytes"
            : null;
        if (problem is not null)
        {
            throw new StorageException(ErrorCode.InvalidArg, $"item name '{name}' {problem}", LibC.EINVAL);
        }
    }

    /// <summary>
    /// Creates the item directory with exactly <paramref name="mode"/> (umask does not apply)
    /// and, when given, owner and group; returns its path. An existing entry of that name
    /// fails with VolExists ("item target path '…' already exists", libvirt's wording).
    /// </summary>
    public static string Create(string root, string name, UnixFileMode mode, uint? uid = null, uint? gid = null)
    {
        ValidateName(name);
        string path = Path.Combine(root, name);
        int rootFd = DirectoryTree.OpenRoot(root);
        try
        {
            if (LibC.MkdirAt(rootFd, name, 0b111_000_000) != 0)
            {
                int errno = LibC.LastErrno();
                throw errno == LibC.EEXIST
                    ? new StorageException(ErrorCode.VolExists, $"item target path '{path}' already exists", errno)
                    : LibC.Failure($"cannot create path '{path}'", errno);
            }

            int fd = LibC.OpenAt(rootFd, name, LibC.ORdOnly | LibC.ODirectory | LibC.ONoFollow | LibC.OCloExec, 0);
            try
            {
                if (fd < 0)
                {
                    throw LibC.Failure($"cannot open directory '{path}'");
                }

                // chown before chmod: chown clears set-id bits (libvirt's virDirCreate order).
                if ((uid is not null || gid is not null) && LibC.Fchown(fd, uid ?? uint.MaxValue, gid ?? uint.MaxValue) != 0)
                {
                    throw LibC.Failure($"cannot chown '{path}' to ({uid?.ToString() ?? "-1"}, {gid?.ToString() ?? "-1"})");
                }

                if (LibC.Fchmod(fd, (uint)mode) != 0)
                {
                    throw LibC.Failure($"cannot set mode of '{path}' to {Convert.ToString((int)mode, 8)}");
                }
            }
            catch (StorageException)
            {
                _ = LibC.UnlinkAt(rootFd, name, LibC.AtRemoveDir);
                throw;
            }
            finally
            {
                if (fd >= 0)
                {
                    _ = LibC.Close(fd);
                }
            }

            return path;
        }
        finally
        {
            _ = LibC.Close(rootFd);
        }
    }

    /// <summary>
    /// Deletes the item recursively. A symlink named like an item is removed itself, its
    /// target untouched; a symlink inside the item is removed, never followed; a mount
    /// inside the item stops the deletion with EXDEV before anything below it is touched.
    /// A missing item fails with NoStorageVol and ENOENT.
    /// </summary>
    public static void Delete(string root, string name)
    {
        ValidateName(name);
        string path = Path.Combine(root, name);
        int rootFd = DirectoryTree.OpenRoot(root);
        try
        {
            DirectoryTree.Delete(rootFd, name, path);
        }
        catch (StorageException e) when (e.OsErrno == LibC.ENOENT && !Path.Exists(path))
        {
            throw new StorageException(ErrorCode.NoStorageVol, $"no fsitem with matching path '{path}'", LibC.ENOENT, e);
        }
        finally
        {
            _ = LibC.Close(rootFd);
        }
    }

    /// <summary>Bytes allocated to the item (`du -sxB1` of it; symlinks not followed).</summary>
    public static long MeasureAllocation(string root, string name)
    {
        ValidateName(name);
        int rootFd = DirectoryTree.OpenRoot(root);
        try
        {
            return DirectoryTree.Measure(rootFd, name, Path.Combine(root, name));
        }
        finally
        {
            _ = LibC.Close(rootFd);
        }
    }
}
