using Microsoft.Win32.SafeHandles;
using StorageFs.Core.Backend;
using StorageFs.Core.Model;
using StorageFs.Interop;
using StorageFs.Backends.HostTools;

namespace StorageFs.Backends.Files;

/// <summary>
/// Native raw-file work of libvirt's storage_util.c: create (<c>createRawFile</c>: O_EXCL,
/// fallocate the allocation or write zeros, ftruncate to the capacity, fsync), sparse-aware
/// copy (<c>virStorageBackendCopyToFD</c>: skip holes and all-zero blocks; from a file or a block
/// device), resize
/// (<c>virStorageFileResize</c>: ftruncate, fallocate with --allocate). Every file is opened
/// with O_NOFOLLOW.
/// </summary>
internal static class RawFiles
{
    private const int ChunkBytes = 1 << 20;

    /// <summary>Default mode of a new volume (VIR_STORAGE_DEFAULT_VOL_PERM_MODE).</summary>
    public const uint DefaultVolumeMode = 0x180; // 0600

    /// <summary>Creates <paramref name="path"/> exclusively with the volume's mode and owner.</summary>
    public static SafeFileHandle CreateExclusive(string path, StoragePermissions perms)
    {
        // Created in the directory's descriptor, reached without following a link (see
        // LocalDirectories): a link swapped into the pool's path cannot redirect root's create.
        using var dir = LocalDirectories.Open(Path.GetDirectoryName(path)!);
        var name = Path.GetFileName(path);
        var handle = LocalNative.OpenBeneath(dir, name, Libc.O_RDWR | Libc.O_CREAT | Libc.O_EXCL | Libc.O_NOFOLLOW,
            perms.Mode ?? DefaultVolumeMode, out int errno) ?? throw StorageErrors.System(errno, $"cannot create path '{path}'");
        try
        {
            File.SetUnixFileMode(handle, (UnixFileMode)(perms.Mode ?? DefaultVolumeMode));
            LocalNative.Chown(handle, path, perms.Owner, perms.Group);
            return handle;
        }
        catch
        {
            handle.Dispose();
            LocalNative.UnlinkAt(dir, name, directory: false, path);
            throw;
        }
    }

    /// <summary>A raw volume of <paramref name="capacity"/> bytes with
    /// <paramref name="allocation"/> bytes allocated from the start.</summary>
    public static void Create(string path, ulong capacity, ulong allocation, StoragePermissions perms,
        IOperationProgress progress, CancellationToken cancellation)
    {
        using var handle = CreateExclusive(path, perms);
        try
        {
            if (capacity > long.MaxValue)
            {
                LocalNative.Truncate(handle, capacity, path); // EFBIG, before any cast
            }
            ulong allocate = Math.Min(allocation, capacity);
            progress.SetTotal(allocate);
            if (allocate > 0)
            {
                Allocate(handle, path, 0, (long)allocate, progress, cancellation);
            }
            LocalNative.Truncate(handle, capacity, path);
            LocalNative.DataSync(handle, path);
        }
        catch
        {
            handle.Dispose();
            File.Delete(path);
            throw;
        }
    }

    /// <summary>Sets the size; with <paramref name="allocate"/>, allocates every byte.</summary>
    public static void Resize(string path, ulong capacity, bool allocate)
    {
        using var handle = LocalDirectories.OpenFile(path, Libc.O_RDWR, "Unable to open");
        if (capacity > long.MaxValue)
        {
            LocalNative.Truncate(handle, capacity, path); // EFBIG, before any cast
        }
        if (allocate)
        {
            Allocate(handle, path, 0, (long)capacity, NullProgress.Instance, CancellationToken.None);
        }
        LocalNative.Truncate(handle, capacity, path);
        LocalNative.DataSync(handle, path);
    }

    /// <summary>Whether a copy shares the source's blocks (FICLONE) instead of writing new ones.</summary>
    public enum Sharing
    {
        /// <summary>Write new blocks (libvirt's clone without VIR_STORAGE_VOL_CREATE_REFLINK).</summary>
        Never,

        /// <summary>Share where the file system can (same xfs/btrfs file system), else copy.</summary>
        Prefer,

        /// <summary>Share, or fail with EOPNOTSUPP.</summary>
        Demand,
    }

    /// <summary>
    /// Copies <paramref name="source"/> into a new file <paramref name="target"/>: data ranges
    /// only (SEEK_DATA/SEEK_HOLE), all-zero chunks left as holes unless
    /// <paramref name="sparse"/> is false (then everything is allocated, as libvirt does for a
    /// volume whose allocation equals its capacity); the result is
    /// <paramref name="capacity"/> bytes long. With <paramref name="share"/> the blocks are
    /// shared instead (FICLONE) where the file system can, or (<see cref="Sharing.Demand"/>)
    /// the copy fails.
    /// </summary>
    public static void Copy(string source, string target, ulong capacity, bool sparse, Sharing share,
        StoragePermissions perms, IOperationProgress progress, CancellationToken cancellation)
    {
        using var input = LocalNative.Open(source, Libc.O_RDONLY | Libc.O_NOFOLLOW, 0, "could not open input path");
        using var output = CreateExclusive(target, perms);
        try
        {
            // A block device source (a partition, LV or LUN cloned into a file pool) has no
            // st_size and no SEEK_DATA: its size comes from BLKGETSIZE64 and all of it is data.
            bool block = LocalNative.Stat(input, source).IsBlockDevice;
            long length = block ? (long)BlockDevice.SizeOf(input, source) : RandomAccess.GetLength(input);
            progress.SetTotal((ulong)length);
            bool shared = false;
            if (share != Sharing.Never && !block)
            {
                int errno = LocalNative.Reflink(output, input);
                shared = errno == 0;
                if (!shared && share == Sharing.Demand)
                {
                    throw ReflinkRefused(errno, source);
                }
            }
            else if (share == Sharing.Demand)
            {
                throw ReflinkRefused((int)Errno.EOPNOTSUPP, source);
            }
            long to = Math.Max(length, (long)capacity);
            if (!shared)
            {
                // A fully allocated copy: allocated first, then written. (xfs's fallocate reserves
                // the whole range before looking at what is already allocated, so a fallocate over
                // a written 2 GiB copy failed with ENOSPC with 4 GiB free; seen on Linux 6.18.)
                if (!sparse && to > 0)
                {
                    Allocate(output, target, 0, to, NullProgress.Instance, cancellation);
                }
                CopyData(input, output, length, sparse, block, progress, cancellation);
            }
            if (capacity > (ulong)length)
            {
                LocalNative.Truncate(output, capacity, target);
            }
            // A reflinked copy is the source's extents, shared: only the tail past the source's
            // end is allocated, as libvirt's createRawFile does after FICLONE. (xfs's FICLONE does
            // not share a preallocated source's unwritten extents, so a fallocate over the clone
            // allocated all of it again: a 32 MiB clone cost 32 MiB, seen on Linux 6.18.)
            if (shared && !sparse && to > length)
            {
                Allocate(output, target, length, to - length, NullProgress.Instance, cancellation);
            }
            LocalNative.DataSync(output, target);
            progress.Report((ulong)length);
        }
        catch
        {
            output.Dispose();
            File.Delete(target);
            throw;
        }
    }

    /// <summary>Makes <paramref name="target"/> a new file sharing all of
    /// <paramref name="source"/>'s blocks (FICLONE): true when it did; false, leaving no
    /// target, when the file system cannot and <paramref name="demand"/> is false.</summary>
    public static bool TryShare(string source, string target, StoragePermissions perms, bool demand, IOperationProgress progress)
    {
        using var input = LocalNative.Open(source, Libc.O_RDONLY | Libc.O_NOFOLLOW, 0, "could not open input path");
        using var output = CreateExclusive(target, perms);
        long length = RandomAccess.GetLength(input);
        progress.SetTotal((ulong)length);
        int errno = LocalNative.Reflink(output, input);
        if (errno == 0)
        {
            LocalNative.DataSync(output, target);
            progress.Report((ulong)length);
            return true;
        }
        output.Dispose();
        File.Delete(target);
        return demand ? throw ReflinkRefused(errno, source) : false;
    }

    // FICLONE's refusals (EXDEV: another file system; EOPNOTSUPP/EINVAL/ENOTTY: this one cannot)
    // all mean "no reflink here": EOPNOTSUPP, as docs/TREE.md promises for clone reflink.
    private static Core.StorageException ReflinkRefused(int errno, string source) =>
        new(Core.ErrorCode.ConfigUnsupported,
            $"cannot share the blocks of '{source}' (FICLONE: {(Errno)errno}): reflink needs both volumes on one xfs (reflink=1) or btrfs file system; write 'copy' to copy instead",
            osErrno: (int)Errno.EOPNOTSUPP);

    private static void CopyData(SafeFileHandle input, SafeFileHandle output, long length, bool sparse, bool block,
        IOperationProgress progress, CancellationToken cancellation)
    {
        var buffer = new byte[ChunkBytes];
        if (RandomAccess.GetLength(output) < length)
        {
            RandomAccess.SetLength(output, length); // grows only: a preallocated tail stays
        }
        long offset = 0;
        while (offset < length)
        {
            long data = block ? offset : LocalNative.NextData(input, offset);
            if (data < 0 || data >= length)
            {
                break;
            }
            long hole = block ? length : Math.Min(LocalNative.NextHole(input, data), length);
            for (long at = data; at < hole;)
            {
                cancellation.ThrowIfCancellationRequested();
                int want = (int)Math.Min(buffer.Length, hole - at);
                int n = RandomAccess.Read(input, buffer.AsSpan(0, want), at);
                if (n <= 0)
                {
                    break;
                }
                var chunk = buffer.AsSpan(0, n);
                if (!sparse || chunk.ContainsAnyExcept((byte)0))
                {
                    RandomAccess.Write(output, chunk, at);
                }
                at += n;
                progress.Report((ulong)at);
            }
            offset = hole;
        }
    }

    // posix_fallocate semantics: fallocate(0), or, where the file system cannot, zeros written
    // into the holes of the range only (glibc's fallback likewise never overwrites data).
    private static void Allocate(SafeFileHandle handle, string path, long offset, long length,
        IOperationProgress progress, CancellationToken cancellation)
    {
        int errno = LocalNative.Fallocate(handle, 0, offset, length);
        if (errno == 0)
        {
            progress.Report((ulong)(offset + length));
            return;
        }
        if (errno != (int)Errno.EOPNOTSUPP)
        {
            throw StorageErrors.System(errno, $"cannot allocate {length} bytes in file '{path}'");
        }
        var zeros = new byte[ChunkBytes];
        long end = offset + length;
        for (long at = offset; at < end;)
        {
            long size = RandomAccess.GetLength(handle);
            long hole = at < size ? LocalNative.NextHole(handle, at) : at; // end of file counts as a hole
            if (hole >= end)
            {
                break;
            }
            long data = hole < size ? LocalNative.NextData(handle, hole) : -1;
            long holeEnd = data < 0 ? end : Math.Min(data, end);
            for (long z = hole; z < holeEnd;)
            {
                cancellation.ThrowIfCancellationRequested();
                int n = (int)Math.Min(zeros.Length, holeEnd - z);
                RandomAccess.Write(handle, zeros.AsSpan(0, n), z);
                z += n;
                progress.Report((ulong)z);
            }
            at = Math.Max(holeEnd, hole + 1);
        }
    }
}
