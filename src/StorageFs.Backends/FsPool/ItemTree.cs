using Microsoft.Win32.SafeHandles;
using StorageFs.Core.Backend;
using StorageFs.Interop;
using StorageFs.Backends.HostTools;

namespace StorageFs.Backends.FsPool;

/// <summary>
/// Walks, measures, copies and deletes an item's directory tree without ever following a
/// symbolic link: links are measured, copied and removed as links. Everything starts from a
/// descriptor (an item opened beneath its pool's directory) and every entry is reached from
/// its directory's descriptor (openat/openat2 with O_NOFOLLOW, statx AT_SYMLINK_NOFOLLOW,
/// unlinkat), as rm -r does, so a directory swapped for a symlink mid-walk is treated as the
/// link and nothing outside the item is read, written or removed.
/// </summary>
internal static class ItemTree
{
    private const int ChunkBytes = 1 << 20;

    /// <summary>Bytes of regular file data in the tree below the open directory
    /// <paramref name="dir"/> (the work of a copy), walked as <see cref="Allocation"/> walks.</summary>
    public static ulong DataBytes(SafeFileHandle dir, string path, CancellationToken cancellation)
    {
        ulong total = 0;
        foreach (var name in LocalNative.ReadDirectory(dir, path))
        {
            cancellation.ThrowIfCancellationRequested();
            var child = path + "/" + name;
            var st = LocalNative.StatAt(dir, name, child);
            if (st is { IsRegular: true })
            {
                total += st.Size;
            }
            else if (st is { IsDirectory: true })
            {
                using var sub = LocalNative.OpenDirectoryAt(dir, name, child);
                if (sub is not null)
                {
                    total += DataBytes(sub, child, cancellation);
                }
            }
        }
        return total;
    }

    /// <summary>
    /// Bytes the tree below <paramref name="dir"/> occupies (st_blocks·512 of every entry, hard
    /// links once), as <c>du -sB1</c> counts; <paramref name="dir"/> is an open directory (an
    /// item as opened beneath its pool's directory), and every directory is
    /// entered relative to its parent's descriptor with O_NOFOLLOW, so a name swapped for a
    /// symlink is counted as the link and nothing outside is measured.
    /// </summary>
    public static ulong Allocation(SafeFileHandle dir, string path, CancellationToken cancellation)
    {
        var seen = new HashSet<(uint, uint, ulong)>();
        var st = LocalNative.Stat(dir, path);
        seen.Add((st.DevMajor, st.DevMinor, st.Inode));
        return st.AllocatedBytes + AllocationBelow(dir, path, seen, cancellation);
    }

    private static ulong AllocationBelow(SafeFileHandle dir, string path, HashSet<(uint, uint, ulong)> seen, CancellationToken cancellation)
    {
        ulong total = 0;
        foreach (var name in LocalNative.ReadDirectory(dir, path))
        {
            cancellation.ThrowIfCancellationRequested();
            var child = path + "/" + name;
            var st = LocalNative.StatAt(dir, name, child);
            if (st is null || !seen.Add((st.DevMajor, st.DevMinor, st.Inode)))
            {
                continue;
            }
            total += st.AllocatedBytes;
            if (st.IsDirectory)
            {
                using var sub = LocalNative.OpenDirectoryAt(dir, name, child);
                if (sub is not null)
                {
                    total += AllocationBelow(sub, child, seen, cancellation);
                }
            }
        }
        return total;
    }

    /// <summary>
    /// Removes the entry <paramref name="name"/> of the open directory <paramref name="parent"/>
    /// and everything below it, bottom-up through directory descriptors (openat/unlinkat, as
    /// rm -r does): no component above the item is ever looked up by path, and a directory
    /// swapped for a symlink mid-walk is unlinked as a link. Progress counts entries: the total
    /// (the item and every entry below it) is counted by a first walk, then each removal is
    /// reported (entries made meanwhile raise the total at the end).
    /// </summary>
    public static void DeleteAt(SafeFileHandle parent, string name, string path, IOperationProgress progress, CancellationToken cancellation)
    {
        var st = LocalNative.StatAt(parent, name, path);
        if (st is null)
        {
            return;
        }
        ulong done = 0;
        if (st.IsDirectory)
        {
            using var dir = LocalNative.OpenDirectoryAt(parent, name, path);
            if (dir is not null)
            {
                ulong total = 1 + CountBelow(dir, path, cancellation);
                progress.SetTotal(total);
                DeleteContents(dir, path, ref done, progress, cancellation);
                LocalNative.UnlinkAt(parent, name, directory: true, path);
                if (++done > total)
                {
                    progress.SetTotal(done);
                }
                progress.Report(done);
                return;
            }
        }
        progress.SetTotal(1);
        LocalNative.UnlinkAt(parent, name, directory: false, path);
        progress.Report(1);
    }

    // Entries below an open directory, every directory entered beneath its parent's descriptor.
    private static ulong CountBelow(SafeFileHandle dir, string path, CancellationToken cancellation)
    {
        ulong count = 0;
        foreach (var (name, type) in LocalNative.ReadDirectoryTyped(dir, path))
        {
            cancellation.ThrowIfCancellationRequested();
            count++;
            if (type is 4 or 0 /* DT_DIR, DT_UNKNOWN */)
            {
                using var sub = LocalNative.OpenDirectoryAt(dir, name, path + "/" + name);
                if (sub is not null)
                {
                    count += CountBelow(sub, path + "/" + name, cancellation);
                }
            }
        }
        return count;
    }

    private static void DeleteContents(Microsoft.Win32.SafeHandles.SafeFileHandle dir, string path, ref ulong done,
        IOperationProgress progress, CancellationToken cancellation)
    {
        foreach (var name in LocalNative.ReadDirectory(dir, path))
        {
            cancellation.ThrowIfCancellationRequested();
            var child = path + "/" + name;
            var st = LocalNative.StatAt(dir, name, child);
            if (st is null)
            {
                continue;
            }
            if (st.IsDirectory)
            {
                using var sub = LocalNative.OpenDirectoryAt(dir, name, child);
                if (sub is not null)
                {
                    DeleteContents(sub, child, ref done, progress, cancellation);
                    LocalNative.UnlinkAt(dir, name, directory: true, child);
                    progress.Report(++done);
                    continue;
                }
            }
            LocalNative.UnlinkAt(dir, name, directory: false, child);
            progress.Report(++done);
        }
    }

    /// <summary>Copies the tree below the open directory <paramref name="source"/> into the
    /// open, empty directory <paramref name="target"/>: directories and files with their modes,
    /// symlinks as symlinks. Every entry is reached from its directory's descriptor (openat2
    /// beneath it, O_NOFOLLOW; mkdirat, symlinkat, readlinkat), so neither side can be sent
    /// outside its item by a name swapped for a link; a new file is created O_EXCL.</summary>
    public static void Copy(SafeFileHandle source, string sourcePath, SafeFileHandle target, string targetPath,
        IOperationProgress progress, CancellationToken cancellation)
    {
        ulong done = 0;
        CopyInto(source, sourcePath, target, targetPath, ref done, progress, cancellation);
    }

    private static void CopyInto(SafeFileHandle source, string sourcePath, SafeFileHandle target, string targetPath,
        ref ulong done, IOperationProgress progress, CancellationToken cancellation)
    {
        foreach (var name in LocalNative.ReadDirectory(source, sourcePath))
        {
            cancellation.ThrowIfCancellationRequested();
            var from = sourcePath + "/" + name;
            var to = targetPath + "/" + name;
            var st = LocalNative.StatAt(source, name, from);
            if (st is null)
            {
                continue;
            }
            if (st.IsSymlink)
            {
                var link = ReadLink(source, name, from);
                if (Libc.SymlinkAt(link, (int)target.DangerousGetHandle(), name) != 0)
                {
                    StorageErrors.ThrowLastSystem($"cannot create symlink '{to}'");
                }
            }
            else if (st.IsDirectory)
            {
                int err = LocalNative.MkdirAt(target, name, st.Permissions | 0x1C0);
                if (err != 0)
                {
                    throw StorageErrors.System(err, $"cannot create directory '{to}'");
                }
                using var fromDir = LocalNative.OpenDirectoryAt(source, name, from);
                using var toDir = LocalNative.OpenBeneath(target, name, Libc.O_RDONLY | Libc.O_DIRECTORY, 0, out err)
                    ?? throw StorageErrors.System(err, $"cannot open directory '{to}'");
                if (fromDir is not null)
                {
                    CopyInto(fromDir, from, toDir, to, ref done, progress, cancellation);
                }
                File.SetUnixFileMode(toDir, (UnixFileMode)st.Permissions);
            }
            else if (st.IsRegular)
            {
                using var input = LocalNative.OpenBeneath(source, name, Libc.O_RDONLY | Libc.O_NOFOLLOW | Libc.O_NONBLOCK, 0, out int err)
                    ?? throw StorageErrors.System(err, $"cannot open '{from}'");
                using var output = LocalNative.OpenBeneath(target, name,
                    Libc.O_WRONLY | Libc.O_CREAT | Libc.O_EXCL | Libc.O_NOFOLLOW, st.Permissions, out err)
                    ?? throw StorageErrors.System(err, $"cannot create '{to}'");
                var buffer = new byte[ChunkBytes];
                long at = 0;
                int n;
                while ((n = RandomAccess.Read(input, buffer, at)) > 0)
                {
                    cancellation.ThrowIfCancellationRequested();
                    RandomAccess.Write(output, buffer.AsSpan(0, n), at);
                    at += n;
                    done += (ulong)n;
                    progress.Report(done);
                }
                File.SetUnixFileMode(output, (UnixFileMode)st.Permissions);
            }
            else
            {
                throw StorageErrors.ArgumentUnsupported($"cannot copy special file '{from}'");
            }
        }
    }

    private static string ReadLink(SafeFileHandle dir, string name, string path)
    {
        var buf = new byte[4096];
        nint n = Libc.ReadlinkAt((int)dir.DangerousGetHandle(), name, buf, buf.Length);
        if (n < 0)
        {
            StorageErrors.ThrowLastSystem($"cannot read symlink '{path}'");
        }
        return System.Text.Encoding.UTF8.GetString(buf, 0, (int)n);
    }
}
