using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;
using StorageFs.Core.Backend;
using StorageFs.Interop;
using StorageFs.Backends.HostTools;

namespace StorageFs.Backends.Files;

/// <summary>
/// Wipes a volume file in place (libvirt's <c>storageBackendVolWipeLocalFile</c>):
/// <list type="bullet">
/// <item>zero and trim punch the whole file out (fallocate PUNCH_HOLE|KEEP_SIZE): it reads back
/// as zeros, keeps its size and frees its blocks, instantly. Where holes cannot be punched,
/// zero writes zeros over the allocated ranges only and trim truncates to 0 and back (libvirt's
/// fast path for sparse files).</item>
/// <item>every other algorithm writes its passes (<see cref="WipePasses"/>) over the whole
/// file, syncing after each pass; verify passes read the last pattern back.</item>
/// </list>
/// The file is opened with O_NOFOLLOW; progress counts bytes over all passes.
/// </summary>
internal static class Wiper
{
    private const int ChunkBytes = 3 << 18; // 768 KiB: a whole number of 3-byte Gutmann patterns

    public static void Wipe(string path, WipeAlgorithm algorithm, IOperationProgress progress, CancellationToken cancellation)
    {
        using var handle = LocalDirectories.OpenFile(path, Libc.O_RDWR, "Failed to open storage volume with path");
        var st = LocalNative.Stat(handle, path);
        if (!st.IsRegular)
        {
            throw StorageErrors.ArgumentUnsupported($"cannot wipe '{path}': not a regular file");
        }
        long size = (long)st.Size;
        switch (algorithm)
        {
            case WipeAlgorithm.Zero:
                progress.SetTotal((ulong)size);
                Zero(handle, path, size, progress, cancellation);
                break;
            case WipeAlgorithm.Trim:
                progress.SetTotal((ulong)size);
                Trim(handle, path, size);
                break;
            default:
                Passes(handle, path, size, WipePasses.For(algorithm), progress, cancellation);
                break;
        }
        LocalNative.DataSync(handle, path);
        if (algorithm is WipeAlgorithm.Zero or WipeAlgorithm.Trim)
        {
            progress.Report((ulong)size);
        }
    }

    private static void Zero(SafeFileHandle handle, string path, long size, IOperationProgress progress, CancellationToken cancellation)
    {
        if (size == 0 || TryPunch(handle, path, size))
        {
            return;
        }
        // No hole punching here: zeros over what is allocated; holes already read as zeros.
        var zeros = new byte[ChunkBytes];
        long offset = 0;
        while (offset < size)
        {
            long data = LocalNative.NextData(handle, offset);
            if (data < 0 || data >= size)
            {
                break;
            }
            long hole = Math.Min(LocalNative.NextHole(handle, data), size);
            for (long at = data; at < hole; at += zeros.Length)
            {
                cancellation.ThrowIfCancellationRequested();
                RandomAccess.Write(handle, zeros.AsSpan(0, (int)Math.Min(zeros.Length, hole - at)), at);
                progress.Report((ulong)Math.Min(at + zeros.Length, hole));
            }
            offset = hole;
        }
    }

    private static void Trim(SafeFileHandle handle, string path, long size)
    {
        if (size == 0 || TryPunch(handle, path, size))
        {
            return;
        }
        RandomAccess.SetLength(handle, 0);
        RandomAccess.SetLength(handle, size);
    }

    private static bool TryPunch(SafeFileHandle handle, string path, long size)
    {
        int errno = LocalNative.Fallocate(handle, Libc.FALLOC_FL_PUNCH_HOLE | Libc.FALLOC_FL_KEEP_SIZE, 0, size);
        return errno switch
        {
            0 => true,
            (int)Errno.EOPNOTSUPP => false,
            _ => throw StorageErrors.System(errno, $"cannot punch holes in '{path}'"),
        };
    }

    private static void Passes(SafeFileHandle handle, string path, long size, IReadOnlyList<WipePass> passes,
        IOperationProgress progress, CancellationToken cancellation)
    {
        progress.SetTotal((ulong)size * (ulong)passes.Count);
        var buffer = new byte[ChunkBytes];
        var readBack = new byte[ChunkBytes];
        var random = new Random(RandomNumberGenerator.GetInt32(int.MaxValue));
        byte[]? last = null;
        for (int p = 0; p < passes.Count; p++)
        {
            var pass = passes[p];
            if (pass.Kind == WipePassKind.Pattern)
            {
                Fill(buffer, pass.Pattern);
                last = pass.Pattern;
            }
            for (long at = 0; at < size; at += buffer.Length)
            {
                cancellation.ThrowIfCancellationRequested();
                int n = (int)Math.Min(buffer.Length, size - at);
                switch (pass.Kind)
                {
                    case WipePassKind.Random:
                        random.NextBytes(buffer.AsSpan(0, n));
                        RandomAccess.Write(handle, buffer.AsSpan(0, n), at);
                        break;
                    case WipePassKind.Pattern:
                        RandomAccess.Write(handle, buffer.AsSpan(0, n), at);
                        break;
                    default:
                        Verify(handle, path, at, n, readBack, last);
                        break;
                }
                progress.Report((ulong)size * (ulong)p + (ulong)(at + n));
            }
            if (pass.Kind != WipePassKind.Verify)
            {
                LocalNative.DataSync(handle, path);
            }
        }
    }

    private static void Verify(SafeFileHandle handle, string path, long at, int n, byte[] readBack, byte[]? pattern)
    {
        if (pattern is null)
        {
            return;
        }
        int got = RandomAccess.Read(handle, readBack.AsSpan(0, n), at);
        for (int i = 0; i < got; i++)
        {
            if (readBack[i] != pattern[(at + i) % pattern.Length])
            {
                throw StorageErrors.OperationFailed($"wipe verification of '{path}' failed at offset {at + i}");
            }
        }
    }

    private static void Fill(byte[] buffer, byte[] pattern)
    {
        for (int i = 0; i < buffer.Length; i++)
        {
            buffer[i] = pattern[i % pattern.Length];
        }
    }
}
