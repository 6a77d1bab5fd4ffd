using StorageFs.Core.Backend;
using StorageFs.Interop;
using StorageFs.Backends.HostTools;

namespace StorageFs.Backends.FsPool;

/// <summary>
/// Walks, measures, copies and deletes an item's directory tree without ever following a
/// symbolic link: links are measured, copied and removed as links. Each directory is checked
/// with lstat before it is entered, so one swapped for a symlink is treated as a link.
/// </summary>
internal static class ItemTree
{
    private const int ChunkBytes = 1 << 20;

    /// <summary>Bytes the tree occupies (st_blocks·512 of every entry, hard links once), as
    /// <c>du -sB1</c> counts.</summary>
    public static ulong Allocation(string root, CancellationToken cancellation)
    {
        var seen = new HashSet<(uint, uint, ulong)>();
        ulong total = 0;
        foreach (var (_, st) in Walk(root, cancellation))
        {
            if (seen.Add((st.DevMajor, st.DevMinor, st.Inode)))
            {
                total += st.AllocatedBytes;
            }
        }
        return total;
    }

    /// <summary>Bytes of regular file data in the tree (the work of a copy).</summary>
    public static ulong DataBytes(string root, CancellationToken cancellation) =>
        Walk(root, cancellation).Where(e => e.Status.IsRegular).Aggregate(0UL, (sum, e) => sum + e.Status.Size);

    /// <summary>
    /// Removes the tree bottom-up through directory descriptors (openat/unlinkat, as rm -r
    /// does): every directory is entered by a descriptor opened O_NOFOLLOW|O_DIRECTORY relative
    /// to its parent's, so a directory swapped for a symlink mid-walk is unlinked as a link and
    /// nothing outside the tree is ever reached. Progress counts entries: the total (the root and
    /// every entry below it) is counted by a first walk, then each removal is reported (entries
    /// made meanwhile raise the total at the end).
    /// </summary>
    public static void Delete(string root, IOperationProgress progress, CancellationToken cancellation)
    {
        var st = LocalNative.Stat(root, noFollow: true);
        if (st is null)
        {
            return;
        }
        ulong done = 0;
        if (!st.IsDirectory)
        {
            progress.SetTotal(1);
            LocalNative.Unlink(root, "cannot remove");
            progress.Report(1);
            return;
        }
        ulong total = (ulong)Walk(root, cancellation).LongCount();
        progress.SetTotal(total);
        using (var dir = LocalNative.Open(root, Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_NOFOLLOW, 0,
            "cannot open directory"))
        {
            DeleteContents(dir, root, ref done, progress, cancellation);
        }
        LocalNative.Rmdir(root, "cannot remove directory");
        if (++done > total)
        {
            progress.SetTotal(done);
        }
        progress.Report(done);
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

    /// <summary>Copies <paramref name="source"/> into the existing empty directory
    /// <paramref name="target"/>: directories and files with their modes, symlinks as symlinks.</summary>
    public static void Copy(string source, string target, IOperationProgress progress, CancellationToken cancellation)
    {
        ulong done = 0;
        CopyInto(source, target, ref done, progress, cancellation);
    }

    private static void CopyInto(string source, string target, ref ulong done, IOperationProgress progress, CancellationToken cancellation)
    {
        foreach (var name in Entries(source))
        {
            cancellation.ThrowIfCancellationRequested();
            var from = Path.Combine(source, name);
            var to = Path.Combine(target, name);
            var st = LocalNative.Stat(from, noFollow: true);
            if (st is null)
            {
                continue;
            }
            if (st.IsSymlink)
            {
                File.CreateSymbolicLink(to, new FileInfo(from).LinkTarget!);
            }
            else if (st.IsDirectory)
            {
                Directory.CreateDirectory(to, (UnixFileMode)st.Permissions);
                CopyInto(from, to, ref done, progress, cancellation);
                File.SetUnixFileMode(to, (UnixFileMode)st.Permissions);
            }
            else if (st.IsRegular)
            {
                using var input = LocalNative.Open(from, Libc.O_RDONLY | Libc.O_NOFOLLOW, 0, "cannot open");
                using var output = LocalNative.Open(to,
                    Libc.O_WRONLY | Libc.O_CREAT | Libc.O_EXCL | Libc.O_NOFOLLOW, st.Permissions, "cannot create");
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

    // Every entry under root (root included), depth first, never entering a symlink.
    private static IEnumerable<(string Path, FileStatus Status)> Walk(string root, CancellationToken cancellation)
    {
        var pending = new Stack<string>();
        pending.Push(root);
        while (pending.Count > 0)
        {
            cancellation.ThrowIfCancellationRequested();
            var path = pending.Pop();
            var st = LocalNative.Stat(path, noFollow: true);
            if (st is null)
            {
                continue;
            }
            yield return (path, st);
            if (st.IsDirectory)
            {
                foreach (var name in Entries(path))
                {
                    pending.Push(Path.Combine(path, name));
                }
            }
        }
    }

    private static List<string> Entries(string dir)
    {
        try
        {
            return [.. Directory.EnumerateFileSystemEntries(dir).Select(e => Path.GetFileName(e))];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw StorageErrors.Io(e, $"cannot open directory '{dir}'");
        }
    }
}
