using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;
using StorageFs.Backends.Files;
using StorageFs.Backends.HostTools;
using StorageFs.Core.Backend;
using StorageFs.Interop;

namespace StorageFs.Backends.Toolbox;

/// <summary>
/// The host side of <c>archive</c>, <c>restore</c> and <c>snapshot</c> (<see cref="IVolumeToolbox"/>).
/// Archives are the compressor tools' own streams (<see cref="CompressorTool"/>); the zstd tool
/// was measured faster than the ZstdSharp library here (docs/PERFORMANCE.md). New files are
/// created unnamed (O_TMPFILE) in their directory's descriptor and linked in when complete.
/// What an archive expands to is kept in an extended attribute of the archive
/// (<c>user.storagefs.archive</c>: "zstd 10737418240").
/// </summary>
public sealed class VolumeToolbox : IVolumeToolbox
{
    private const int O_TMPFILE = 0x410000; // __O_TMPFILE | O_DIRECTORY, asm-generic/fcntl.h
    private const int F_SETLEASE = 1024;
    private const int F_RDLCK = 0;
    private const int F_UNLCK = 2;
    private const int FALLOC_FL_ZERO_RANGE = 0x10;
    private const int ChunkBytes = 1 << 20;
    private const string ArchiveAttribute = "user.storagefs.archive";
    private const string SnapshotAttribute = "user.storagefs.snapshot-of";

    /// <inheritdoc/>
    public IReadOnlyList<ArchiveCompression> Compressors =>
        [.. CompressorTool.All.Where(t => t.Installed).Select(t => t.Kind)];

    /// <inheritdoc/>
    public bool Exists(string directory, string name)
    {
        using var dir = LocalDirectories.Open(directory);
        return LocalNative.StatAt(dir, name, Path.Combine(directory, name)) is not null;
    }

    /// <inheritdoc/>
    public long Archive(SafeFileHandle source, string directory, string name, bool overwrite, ArchiveCompression compression,
        IOperationProgress progress, CancellationToken cancellation)
    {
        var tool = CompressorTool.For(compression);
        using var dir = LocalDirectories.Open(directory);
        string path = Path.Combine(directory, name);
        if (!overwrite && LocalNative.StatAt(dir, name, path) is not null)
        {
            throw StorageErrors.System((int)Errno.EEXIST, $"'{path}' exists: write 'overwrite' to replace it");
        }
        using var output = Unnamed(dir, directory, RawFiles.DefaultVolumeMode);
        long written = new ArchiveWriter(tool, output, cancellation).Write(source, progress);
        var (length, _) = HoleMap.Measure(source);
        SetAttribute(output, ArchiveAttribute, string.Create(CultureInfo.InvariantCulture, $"{tool.Name} {length}"));
        LocalNative.DataSync(output, path);
        cancellation.ThrowIfCancellationRequested();
        Publish(dir, output, name, path, overwrite);
        return written;
    }

    /// <inheritdoc/>
    public SafeFileHandle OpenFile(string directory, string name)
    {
        using var dir = LocalDirectories.Open(directory);
        string path = Path.Combine(directory, name);
        var file = LocalNative.OpenBeneath(dir, name, Libc.O_RDONLY | Libc.O_NOFOLLOW | Libc.O_NONBLOCK, 0, out int errno)
            ?? throw StorageErrors.System(errno, $"cannot open '{path}'");
        if (!LocalNative.Stat(file, path).IsRegular)
        {
            file.Dispose();
            throw StorageErrors.ArgumentUnsupported($"'{path}' is not a regular file");
        }
        LocalNative.ClearNonBlocking(file, path);
        return file;
    }

    /// <inheritdoc/>
    public ArchiveFacts Probe(SafeFileHandle source)
    {
        var (length, _) = HoleMap.Measure(source);
        var head = new byte[16];
        int n = length > 0 ? RandomAccess.Read(source, head, 0) : 0;
        var tool = CompressorTool.All.FirstOrDefault(t => t.Matches(head.AsSpan(0, n)));
        if (tool is null)
        {
            return ArchiveFacts.Plain(length);
        }
        long expanded = -1;
        if (GetAttribute(source, ArchiveAttribute) is { } recorded)
        {
            var parts = recorded.Split(' ');
            if (parts.Length == 2 && parts[0] == tool.Name && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out long size))
            {
                expanded = size;
            }
        }
        return new ArchiveFacts(tool.Kind, expanded);
    }

    /// <inheritdoc/>
    public void RestoreFile(string directory, string name, long length, SafeFileHandle source, ArchiveFacts facts,
        IOperationProgress progress, CancellationToken cancellation)
    {
        using var dir = LocalDirectories.Open(directory);
        string path = Path.Combine(directory, name);
        FileStatus st;
        using (var current = LocalNative.OpenBeneath(dir, name, Libc.O_RDONLY | Libc.O_NOFOLLOW | Libc.O_NONBLOCK, 0, out int errno)
            ?? throw StorageErrors.System(errno, $"cannot open volume '{path}'"))
        {
            st = LocalNative.Stat(current, path);
            if (!st.IsRegular)
            {
                throw StorageErrors.ArgumentUnsupported($"volume '{path}' is not a regular file");
            }
            RequireNoWriter(current, path);
        }
        // The restore goes to a new file put in place at the end: a failed or cancelled
        // restore leaves the volume as it was, and the new file's unwritten ranges are holes.
        using var output = Unnamed(dir, directory, st.Permissions);
        LocalNative.Chown(output, path, st.Uid, st.Gid);
        LocalNative.Truncate(output, (ulong)length, path);
        Fill(output, length, source, facts, progress, cancellation);
        LocalNative.DataSync(output, path);
        cancellation.ThrowIfCancellationRequested();
        Publish(dir, output, name, path, overwrite: true);
    }

    /// <inheritdoc/>
    public void RestoreInPlace(SafeFileHandle target, long length, SafeFileHandle source, ArchiveFacts facts,
        IOperationProgress progress, CancellationToken cancellation)
    {
        // Zero it all first, cheaply where the device or file system can (a discard that reads
        // back zeros, or an unwritten range), else by writing zeros.
        if (LocalNative.Fallocate(target, Libc.FALLOC_FL_PUNCH_HOLE | Libc.FALLOC_FL_KEEP_SIZE, 0, length) != 0 &&
            LocalNative.Fallocate(target, FALLOC_FL_ZERO_RANGE, 0, length) != 0)
        {
            var zeros = new byte[ChunkBytes];
            for (long at = 0; at < length; at += ChunkBytes)
            {
                cancellation.ThrowIfCancellationRequested();
                RandomAccess.Write(target, zeros.AsSpan(0, (int)Math.Min(ChunkBytes, length - at)), at);
            }
        }
        Fill(target, length, source, facts, progress, cancellation);
        LocalNative.DataSync(target, "volume");
    }

    /// <inheritdoc/>
    public SafeFileHandle? ShareUnnamed(SafeFileHandle source, string directory)
    {
        using var dir = LocalDirectories.Open(directory);
        var copy = Unnamed(dir, directory, RawFiles.DefaultVolumeMode);
        if (LocalNative.Reflink(copy, source) == 0)
        {
            return copy;
        }
        copy.Dispose();
        return null;
    }

    /// <inheritdoc/>
    public bool CanReflink(string directory)
    {
        using var dir = LocalDirectories.Open(directory);
        using var a = Unnamed(dir, directory, RawFiles.DefaultVolumeMode);
        RandomAccess.Write(a, new byte[4096], 0);
        using var b = Unnamed(dir, directory, RawFiles.DefaultVolumeMode);
        return LocalNative.Reflink(b, a) == 0;
    }

    /// <inheritdoc/>
    public void MarkSnapshot(string path, string of)
    {
        using var file = LocalDirectories.OpenFile(path, Libc.O_RDONLY, "cannot open snapshot");
        SetAttribute(file, SnapshotAttribute, of);
    }

    /// <inheritdoc/>
    public string? SnapshotOf(SafeFileHandle file) => GetAttribute(file, SnapshotAttribute);

    private static void Fill(SafeFileHandle target, long length, SafeFileHandle source, ArchiveFacts facts,
        IOperationProgress progress, CancellationToken cancellation)
    {
        var writer = new RestoreWriter(target, length, progress);
        var (sourceLength, sparse) = HoleMap.Measure(source);
        var buffer = new byte[ChunkBytes];
        if (facts.Compression is not { } kind)
        {
            progress.SetTotal((ulong)sourceLength);
            foreach (var (start, end) in HoleMap.Ranges(source, sourceLength, sparse))
            {
                for (long at = start; at < end;)
                {
                    cancellation.ThrowIfCancellationRequested();
                    int n = RandomAccess.Read(source, buffer.AsSpan(0, (int)Math.Min(ChunkBytes, end - at)), at);
                    if (n <= 0)
                    {
                        break;
                    }
                    writer.WriteAt(at, buffer.AsSpan(0, n));
                    at += n;
                }
            }
            return;
        }
        var tool = CompressorTool.For(kind);
        progress.SetTotal((ulong)(facts.ExpandedSize >= 0 ? facts.ExpandedSize : sourceLength));
        if (kind == ArchiveCompression.Zstd)
        {
            ZstdRestore.Fill(source, sourceLength, writer, cancellation);
            return;
        }
        if (tool.Concatenates)
        {
            ZeroStreamRestore.Fill(tool, source, sourceLength, writer, cancellation);
            cancellation.ThrowIfCancellationRequested();
            return;
        }
        using var run = ToolRun.Start(tool, tool.Decompress, (b, _) => writer.Append(b.Span), cancellation);
        try
        {
            for (long at = 0; at < sourceLength;)
            {
                cancellation.ThrowIfCancellationRequested();
                int n = RandomAccess.Read(source, buffer, at);
                if (n <= 0)
                {
                    break;
                }
                run.Input.Write(buffer, 0, n);
                at += n;
            }
        }
        catch (IOException)
        {
            // The tool stopped reading (a corrupt stream, or the writer refused more bytes):
            // Finish reports why.
        }
        run.Finish();
        cancellation.ThrowIfCancellationRequested();
    }

    // Refuses while any open file description of the file is writable: a read lease is granted
    // only then (fcntl(2) F_SETLEASE), and is given back at once.
    private static void RequireNoWriter(SafeFileHandle readOnly, string path)
    {
        int fd = (int)readOnly.DangerousGetHandle();
        if (Libc.Fcntl(fd, F_SETLEASE, F_RDLCK) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno is (int)Errno.EAGAIN or (int)Errno.EBUSY)
            {
                throw new Core.StorageException(Core.ErrorCode.OperationInvalid,
                    $"volume '{path}' is open for writing by a process: close it before restoring into it", osErrno: (int)Errno.EBUSY);
            }
            return; // no leases on this file system: the driver's own open count is the check
        }
        Libc.Fcntl(fd, F_SETLEASE, F_UNLCK);
    }

    private static SafeFileHandle Unnamed(SafeFileHandle dir, string directory, uint mode)
    {
        int fd = Libc.OpenAt((int)dir.DangerousGetHandle(), ".", O_TMPFILE | Libc.O_RDWR | Libc.O_CLOEXEC, mode);
        if (fd < 0)
        {
            throw StorageErrors.System(Marshal.GetLastPInvokeError(), $"cannot create a file in '{directory}'");
        }
        var handle = new SafeFileHandle(fd, ownsHandle: true);
        File.SetUnixFileMode(handle, (UnixFileMode)mode);
        return handle;
    }

    // Gives the unnamed file its name: linked in directly (EEXIST if the name was taken
    // meanwhile), or, to replace, linked under a temporary name and renamed over the old file.
    private static void Publish(SafeFileHandle dir, SafeFileHandle file, string name, string path, bool overwrite)
    {
        int dirfd = (int)dir.DangerousGetHandle();
        int fd = (int)file.DangerousGetHandle();
        if (!overwrite)
        {
            if (Libc.LinkAt(fd, "", dirfd, name, Libc.AT_EMPTY_PATH) != 0)
            {
                StorageErrors.ThrowLastSystem($"cannot create '{path}'");
            }
            return;
        }
        string temp = $".{name}.storagefs-{Environment.ProcessId}-{Environment.CurrentManagedThreadId}";
        if (temp.Length > 255)
        {
            temp = $".storagefs-{Guid.NewGuid():N}";
        }
        if (Libc.LinkAt(fd, "", dirfd, temp, Libc.AT_EMPTY_PATH) != 0)
        {
            StorageErrors.ThrowLastSystem($"cannot create a file in '{Path.GetDirectoryName(path)}'");
        }
        if (Libc.RenameAt2(dirfd, temp, dirfd, name, 0) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            Libc.UnlinkAt(dirfd, temp, 0);
            throw StorageErrors.System(errno, $"cannot replace '{path}'");
        }
    }

    private static void SetAttribute(SafeFileHandle file, string attribute, string value)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(value);
        // The descriptor's /proc link reaches the file itself, unnamed or not.
        if (Libc.SetXattr(ProcPath(file), attribute, bytes, bytes.Length, 0) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno != (int)Errno.EOPNOTSUPP)
            {
                throw StorageErrors.System(errno, $"cannot record {attribute}");
            }
        }
    }

    private static string? GetAttribute(SafeFileHandle file, string attribute)
    {
        var buffer = new byte[256];
        nint n = Libc.GetXattr(ProcPath(file), attribute, buffer, buffer.Length);
        return n > 0 ? Encoding.UTF8.GetString(buffer, 0, (int)n) : null;
    }

    private static string ProcPath(SafeFileHandle file) =>
        string.Create(CultureInfo.InvariantCulture, $"/proc/self/fd/{file.DangerousGetHandle()}");
}
