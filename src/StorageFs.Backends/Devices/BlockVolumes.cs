using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;
using StorageFs.Core;
using StorageFs.Core.Backend;
using StorageFs.Core.Model;
using StorageFs.Interop;
using StorageFs.Backends.Files;
using StorageFs.Backends.HostTools;

namespace StorageFs.Backends.Devices;

/// <summary>
/// Volumes that are block devices (partitions of a disk pool, LVs, iSCSI/SCSI LUNs, multipath
/// maps): what a refresh reports for one (libvirt's <c>virStorageBackendUpdateVolTargetInfoFD</c>
/// for a device: capacity = allocation = the device size, permissions and times of the node),
/// and their data operations — open for upload/download, wipe, fill from another volume — done
/// natively on the node. Zero uses BLKZEROOUT and trim BLKDISCARD where the device has them;
/// the patterned algorithms write libvirt's (scrub's) passes, shared with the dir pool.
/// </summary>
public static class BlockVolumes
{
    private const int ChunkBytes = 3 << 18; // a whole number of 3-byte Gutmann patterns

    /// <summary>Fills <paramref name="vol"/>'s type, sizes, permissions and times from the device
    /// node at <paramref name="path"/>.</summary>
    public static void Describe(VolumeDefinition vol, string path)
    {
        ArgumentNullException.ThrowIfNull(vol);
        var st = LocalNative.Stat(path, noFollow: false)
            ?? throw StorageErrors.System((int)Errno.ENOENT, $"cannot stat file '{path}'");
        if (!st.IsBlockDevice)
        {
            throw StorageErrors.Internal($"volume '{path}' is not a block device");
        }
        ulong size = BlockDevice.SizeOf(path);
        vol.Type = VolumeType.Block;
        vol.Capacity = size;
        vol.Allocation = size;
        vol.Target.Path = path;
        vol.Target.Permissions = new StoragePermissions { Mode = st.Permissions, Owner = st.Uid, Group = st.Gid };
        vol.Target.Timestamps = st.Times;
    }

    /// <summary>
    /// The device node's descriptor, checked to be a block device, handed over as the volume's
    /// data: read-write where the device allows it even for <see cref="VolumeAccessMode.Read"/>
    /// (one descriptor may serve every open of the file), read-only otherwise. The node's path is
    /// the one the pool reported (udev's links under /dev are followed: only root changes them).
    /// </summary>
    public static VolumeData Open(string path, VolumeAccessMode mode)
    {
        SafeFileHandle handle;
        bool writable = true;
        try
        {
            handle = OpenDevice(path, writable: true);
        }
        catch (StorageException e) when (mode == VolumeAccessMode.Read && e.OsErrno is (int)Errno.EACCES or (int)Errno.EPERM or (int)Errno.EROFS)
        {
            handle = OpenDevice(path, writable: false);
            writable = false;
        }
        try
        {
            long size = (long)BlockDevice.SizeOf(handle, path);
            bool write = mode == VolumeAccessMode.Write;
            return VolumeData.FromDescriptor(handle, writable, size, h => new BlockDeviceStream(h, size, write));
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Wipes the whole device with <paramref name="algorithm"/>.</summary>
    public static void Wipe(string path, WipeAlgorithm algorithm, IOperationProgress progress, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(progress);
        using var handle = OpenDevice(path, writable: true);
        ulong size = BlockDevice.SizeOf(handle, path);
        ulong total = size;
        switch (algorithm)
        {
            case WipeAlgorithm.Zero:
                progress.SetTotal(size);
                if (BlockDevice.TryZeroOut(handle, 0, size) != 0)
                {
                    WritePass(handle, (long)size, WipePass.Of(0), 0, progress, cancellation);
                }
                break;
            case WipeAlgorithm.Trim:
                progress.SetTotal(size);
                int errno = BlockDevice.TryDiscard(handle, 0, size);
                if (errno != 0)
                {
                    throw StorageErrors.ArgumentUnsupported($"'trim' algorithm not supported: device '{path}' cannot discard ({System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(errno)})");
                }
                break;
            default:
                var passes = WipePasses.For(algorithm);
                total = size * (ulong)passes.Count;
                progress.SetTotal(total);
                byte[]? last = null;
                for (int p = 0; p < passes.Count; p++)
                {
                    if (passes[p].Kind == WipePassKind.Verify)
                    {
                        Verify(handle, path, (long)size, last, cancellation);
                    }
                    else
                    {
                        WritePass(handle, (long)size, passes[p], size * (ulong)p, progress, cancellation);
                        last = passes[p].Kind == WipePassKind.Pattern ? passes[p].Pattern : null;
                    }
                    progress.Report(size * (ulong)(p + 1));
                }
                break;
        }
        LocalNative.DataSync(handle, path);
        progress.Report(total);
    }

    /// <summary>Copies the raw bytes of <paramref name="source"/> (a file or device) to the start
    /// of the device <paramref name="target"/>; the rest of the device is zeroed.</summary>
    public static void CopyRaw(string source, string target, IOperationProgress progress, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(progress);
        using var input = LocalNative.Open(source, Libc.O_RDONLY, 0, "could not open input path");
        using var output = OpenDevice(target, writable: true);
        ulong targetSize = BlockDevice.SizeOf(output, target);
        var st = LocalNative.Stat(input, source);
        ulong length = st.IsBlockDevice ? BlockDevice.SizeOf(input, source) : st.Size;
        if (length > targetSize)
        {
            throw StorageErrors.Internal($"volume '{target}' ({targetSize} bytes) is smaller than its source '{source}' ({length} bytes)");
        }
        progress.SetTotal(targetSize);
        var buffer = new byte[ChunkBytes];
        long at = 0;
        while ((ulong)at < length)
        {
            cancellation.ThrowIfCancellationRequested();
            int n = RandomAccess.Read(input, buffer.AsSpan(0, (int)Math.Min((ulong)buffer.Length, length - (ulong)at)), at);
            if (n <= 0)
            {
                break;
            }
            RandomAccess.Write(output, buffer.AsSpan(0, n), at);
            at += n;
            progress.Report((ulong)at);
        }
        if ((ulong)at < targetSize && BlockDevice.TryZeroOut(output, (ulong)at, targetSize - (ulong)at) != 0)
        {
            Array.Clear(buffer);
            for (; (ulong)at < targetSize; at += buffer.Length)
            {
                cancellation.ThrowIfCancellationRequested();
                RandomAccess.Write(output, buffer.AsSpan(0, (int)Math.Min((ulong)buffer.Length, targetSize - (ulong)at)), at);
            }
        }
        LocalNative.DataSync(output, target);
        progress.Report(targetSize);
    }

    /// <summary>Zeroes the first <paramref name="bytes"/> of a device (libvirt's
    /// <c>virStorageBackendZeroPartitionTable</c>: old labels and signatures go before a new
    /// one is written).</summary>
    public static void ZeroStart(string path, ulong bytes)
    {
        using var handle = OpenDevice(path, writable: true);
        ulong size = Math.Min(bytes, BlockDevice.SizeOf(handle, path));
        RandomAccess.Write(handle, new byte[size], 0);
        LocalNative.DataSync(handle, path);
    }

    /// <summary>Zeroes the first and the last <paramref name="bytes"/> of a device (libvirt's
    /// <c>virStorageBackendZeroPartitionTable</c> with zero_end: a GPT keeps a backup header at
    /// the end of the disk).</summary>
    public static void ZeroLabelAreas(string path, ulong bytes)
    {
        using var handle = OpenDevice(path, writable: true);
        ulong size = BlockDevice.SizeOf(handle, path);
        ulong n = Math.Min(bytes, size);
        var zeros = new byte[n];
        RandomAccess.Write(handle, zeros, 0);
        RandomAccess.Write(handle, zeros, (long)(size - n));
        LocalNative.DataSync(handle, path);
    }

    private static SafeFileHandle OpenDevice(string path, bool writable)
    {
        var handle = LocalNative.Open(path, writable ? Libc.O_RDWR : Libc.O_RDONLY, 0,
            "Failed to open storage volume with path");
        try
        {
            if (!LocalNative.Stat(handle, path).IsBlockDevice)
            {
                throw StorageErrors.Internal($"volume '{path}' is not a block device");
            }
            return handle;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private static void WritePass(SafeFileHandle handle, long size, WipePass pass, ulong done,
        IOperationProgress progress, CancellationToken cancellation)
    {
        var buffer = new byte[ChunkBytes];
        if (pass.Kind == WipePassKind.Pattern)
        {
            for (int i = 0; i < buffer.Length; i++)
            {
                buffer[i] = pass.Pattern[i % pass.Pattern.Length];
            }
        }
        for (long at = 0; at < size; at += buffer.Length)
        {
            cancellation.ThrowIfCancellationRequested();
            int n = (int)Math.Min(buffer.Length, size - at);
            if (pass.Kind == WipePassKind.Random)
            {
                RandomNumberGenerator.Fill(buffer.AsSpan(0, n));
            }
            RandomAccess.Write(handle, buffer.AsSpan(0, n), at);
            progress.Report(done + (ulong)(at + n));
        }
        LocalNative.DataSync(handle, "block device");
    }

    private static void Verify(SafeFileHandle handle, string path, long size, byte[]? pattern, CancellationToken cancellation)
    {
        if (pattern is null)
        {
            return;
        }
        var buffer = new byte[ChunkBytes];
        for (long at = 0; at < size; at += buffer.Length)
        {
            cancellation.ThrowIfCancellationRequested();
            int n = RandomAccess.Read(handle, buffer.AsSpan(0, (int)Math.Min(buffer.Length, size - at)), at);
            for (int i = 0; i < n; i++)
            {
                if (buffer[i] != pattern[(at + i) % pattern.Length])
                {
                    throw StorageErrors.OperationFailed($"wipe verification of '{path}' failed at offset {at + i}");
                }
            }
        }
    }
}
