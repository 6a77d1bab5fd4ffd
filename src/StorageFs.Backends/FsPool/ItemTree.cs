using StorageFs.Backends.Dir;
using StorageFs.Backends.Files;
using StorageFs.Core.Backend;

namespace StorageFs.Backends.FsPool;

/// <summary>
/// Copies an item's directory tree (libvirt's fspool series copies with <c>cp -r</c>, which
/// copies symlinks as symlinks): directories and regular files with their modes, symlinks as
/// links with the same target, never followed; any other file type is refused. Measuring
/// and deleting are <see cref="FsItemDirectory"/>'s (descriptor-based, never following links).
/// </summary>
internal static class ItemTree
{
    private const int ChunkBytes = 1 << 20;

    /// <summary>Bytes of regular-file data under <paramref name="root"/> (the work of a copy).</summary>
    public static ulong DataBytes(string root, CancellationToken cancellation)
    {
        ulong total = 0;
        var pending = new Stack<string>();
        pending.Push(root);
        while (pending.Count > 0)
        {
            cancellation.ThrowIfCancellationRequested();
            var path = pending.Pop();
            var st = LocalNative.TryStat(path, followSymlinks: false);
            if (st?.Kind == FileKind.Regular)
            {
                total += (ulong)st.Size;
            }
            else if (st?.Kind == FileKind.Directory)
            {
                foreach (var name in Entries(path))
                {
                    pending.Push(Path.Combine(path, name));
                }
            }
        }
        return total;
    }

    /// <summary>Copies the contents of <paramref name="source"/> into the existing empty
    /// directory <paramref name="target"/>.</summary>
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
            var st = LocalNative.TryStat(from, followSymlinks: false);
            var mode = (UnixFileMode)((uint)(st?.Mode ?? 0) & 0xFFF);
            switch (st?.Kind)
            {
                case null:
                    continue;
                case FileKind.Symlink:
                    File.CreateSymbolicLink(to, new FileInfo(from).LinkTarget!);
                    break;
                case FileKind.Directory:
                    Directory.CreateDirectory(to, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                    CopyInto(from, to, ref done, progress, cancellation);
                    File.SetUnixFileMode(to, mode);
                    break;
                case FileKind.Regular:
                    using (var input = LocalNative.Open(from, LocalNative.O_RDONLY | LocalNative.O_NOFOLLOW, 0, "cannot open"))
                    using (var output = LocalNative.Open(to,
                        LocalNative.O_WRONLY | LocalNative.O_CREAT | LocalNative.O_EXCL | LocalNative.O_NOFOLLOW, 0x180, "cannot create"))
                    {
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
                        File.SetUnixFileMode(output, mode);
                    }
                    break;
                default:
                    throw StorageErrors.ArgumentUnsupported($"cannot copy special file '{from}'");
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
