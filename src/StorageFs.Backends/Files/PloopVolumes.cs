using StorageFs.Core;
using StorageFs.Core.Backend;
using StorageFs.Core.Model;
using StorageFs.Interop;
using StorageFs.Backends.HostTools;

namespace StorageFs.Backends.Files;

/// <summary>
/// ploop volumes of a directory-like pool (the 2016 libvirt series, src/storage/storage_util.c:
/// <c>storageBackendCreatePloop</c>, <c>storagePloopResize</c>, the ploop paths of refresh,
/// upload, download and wipe), with the image and descriptor written by StorageFs instead of the
/// ploop tool. A ploop volume is a directory holding <c>root.hds</c> and
/// <c>DiskDescriptor.xml</c>; its data stream (upload/download) is root.hds itself, refused while
/// the descriptor lists snapshots, and the descriptor is rebuilt from the image after an upload
/// (libvirt runs <c>ploop restore-descriptor</c>).
/// </summary>
public static class PloopVolumes
{
    /// <summary>Default mode of a new ploop directory and image (libvirt's volume default, 0600).</summary>
    public const uint DefaultMode = 0x180;

    /// <summary>True when <paramref name="directory"/> holds both ploop files (libvirt's test at refresh).</summary>
    public static bool IsPloopDirectory(string directory) =>
        File.Exists(Path.Combine(directory, PloopDescriptor.ImageName)) &&
        File.Exists(Path.Combine(directory, PloopDescriptor.FileName));

    /// <summary>True when <paramref name="volume"/> is a ploop volume.</summary>
    public static bool IsPloop(VolumeDefinition volume)
    {
        ArgumentNullException.ThrowIfNull(volume);
        return volume.Type == VolumeType.Ploop || volume.Target.Format == "ploop";
    }

    /// <summary>The checks libvirt's createVol makes for a ploop volume.</summary>
    public static void CheckCreate(VolumeDefinition volume)
    {
        ArgumentNullException.ThrowIfNull(volume);
        if (volume.Target.Encryption is not null)
        {
            throw StorageErrors.ConfigUnsupported("encrypted ploop volumes are not supported with ploop init");
        }
        if (volume.BackingStore is not null)
        {
            throw StorageErrors.ConfigUnsupported("copy-on-write ploop volumes are not yet supported");
        }
    }

    /// <summary>Fills type, format, sizes, permissions and times of the ploop volume whose
    /// directory is <paramref name="volume"/>'s path: capacity from the image header, allocation
    /// and physical size from root.hds.</summary>
    public static void Describe(VolumeDefinition volume)
    {
        ArgumentNullException.ThrowIfNull(volume);
        var dir = volume.Target.Path ?? throw StorageErrors.Internal($"volume '{volume.Name}' has no path");
        var image = Path.Combine(dir, PloopDescriptor.ImageName);
        var st = LocalNative.Stat(image, noFollow: true)
            ?? throw StorageErrors.System((int)Errno.ENOENT, $"cannot stat file '{image}'");
        if (!st.IsRegular)
        {
            throw StorageErrors.Internal($"'{image}' is not a regular file");
        }
        var header = PloopImage.Read(image);
        volume.Type = VolumeType.Ploop;
        volume.Target.Format = "ploop";
        volume.Capacity = header.Capacity;
        volume.Allocation = st.AllocatedBytes;
        volume.Physical = st.Size;
        if (LocalNative.Stat(dir, noFollow: true) is { } d)
        {
            volume.Target.Permissions = new StoragePermissions { Mode = d.Permissions, Owner = d.Uid, Group = d.Gid };
            volume.Target.Timestamps = d.Times;
        }
    }

    /// <summary>Creates the directory, the image and the descriptor (libvirt: mkdir + ploop init);
    /// on failure nothing is left.</summary>
    public static void Create(string directory, VolumeDefinition volume, IOperationProgress progress)
    {
        ArgumentNullException.ThrowIfNull(volume);
        ArgumentNullException.ThrowIfNull(progress);
        CheckCreate(volume);
        var perms = volume.Target.Permissions;
        MakeDirectory(directory, perms);
        try
        {
            progress.SetTotal(volume.Capacity);
            var header = PloopImage.Create(Path.Combine(directory, PloopDescriptor.ImageName), volume.Capacity,
                new StoragePermissions { Mode = perms.Mode ?? DefaultMode, Owner = perms.Owner, Group = perms.Group });
            PloopDescriptor.Write(directory, header, volume.Name);
            progress.Report(volume.Capacity);
        }
        catch
        {
            RemoveTree(directory);
            throw;
        }
    }

    /// <summary>Copies a ploop volume (libvirt: <c>cp -r</c>): root.hds sparse-aware, then a
    /// descriptor for the copy.</summary>
    public static void Clone(string sourceDirectory, string directory, VolumeDefinition volume,
        IOperationProgress progress, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(volume);
        if (!IsPloopDirectory(sourceDirectory))
        {
            throw StorageErrors.ConfigUnsupported($"'{sourceDirectory}' is not a ploop volume; a ploop volume can only be copied from another");
        }
        var perms = volume.Target.Permissions;
        MakeDirectory(directory, perms);
        try
        {
            var source = Path.Combine(sourceDirectory, PloopDescriptor.ImageName);
            var header = PloopImage.Read(source);
            RawFiles.Copy(source, Path.Combine(directory, PloopDescriptor.ImageName), (ulong)new FileInfo(source).Length,
                sparse: true, RawFiles.Sharing.Never,
                new StoragePermissions { Mode = perms.Mode ?? DefaultMode, Owner = perms.Owner, Group = perms.Group },
                progress, cancellation);
            if (volume.Capacity > header.Capacity)
            {
                header = PloopImage.Grow(Path.Combine(directory, PloopDescriptor.ImageName), volume.Capacity);
            }
            PloopDescriptor.Write(directory, header, volume.Name);
        }
        catch
        {
            RemoveTree(directory);
            throw;
        }
    }

    /// <summary>Grows the volume (libvirt: <c>ploop resize -s NM DiskDescriptor.xml</c>).</summary>
    public static void Resize(string directory, string name, ulong capacity, VolumeResizeFlags flags)
    {
        if ((flags & VolumeResizeFlags.Allocate) != 0)
        {
            throw StorageErrors.ConfigUnsupported("preallocate is only supported for raw type volume");
        }
        var header = PloopImage.Grow(Path.Combine(directory, PloopDescriptor.ImageName), capacity);
        PloopDescriptor.Write(directory, header, name);
    }

    /// <summary>Wipes the image with <paramref name="algorithm"/>, then replaces it by a fresh
    /// empty one of the same size (libvirt wipes root.hds, deletes both files and runs ploop init).</summary>
    public static void Wipe(string directory, string name, WipeAlgorithm algorithm, IOperationProgress progress,
        CancellationToken cancellation)
    {
        var image = Path.Combine(directory, PloopDescriptor.ImageName);
        var header = PloopImage.Read(image);
        var st = LocalNative.Stat(image, noFollow: true)!;
        Wiper.Wipe(image, algorithm, progress, cancellation);
        LocalNative.Unlink(image, "cannot unlink file");
        var fresh = PloopImage.Create(image, header.Capacity, new StoragePermissions { Mode = st.Permissions, Owner = st.Uid, Group = st.Gid });
        PloopDescriptor.Write(directory, fresh, name);
    }

    /// <summary>root.hds as a stream (upload/download); after an upload the descriptor is
    /// rebuilt from the new image's header.</summary>
    public static Stream Open(string directory, string name, VolumeAccessMode mode)
    {
        if (PloopDescriptor.SnapshotCount(directory) > 1)
        {
            throw StorageErrors.OperationInvalid($"ploop volume '{name}' has snapshots; upload and download need a volume without them");
        }
        var image = Path.Combine(directory, PloopDescriptor.ImageName);
        bool write = mode == VolumeAccessMode.Write;
        var handle = LocalNative.Open(image, (write ? Libc.O_RDWR : Libc.O_RDONLY) | Libc.O_NOFOLLOW, 0, "cannot open volume");
        var stream = new FileStream(handle, write ? FileAccess.ReadWrite : FileAccess.Read, 0);
        return write ? new AfterCloseStream(stream, () => PloopDescriptor.Write(directory, PloopImage.Read(image), name)) : stream;
    }

    /// <summary>Removes the volume's directory and everything in it, never following a symlink.</summary>
    public static void Delete(string directory)
    {
        var st = LocalNative.Stat(directory, noFollow: true)
            ?? throw StorageErrors.System((int)Errno.ENOENT, $"cannot remove directory '{directory}'");
        if (!st.IsDirectory)
        {
            throw StorageErrors.Internal($"'{directory}' is not a ploop volume directory");
        }
        RemoveTree(directory);
    }

    private static void MakeDirectory(string directory, StoragePermissions perms)
    {
        if (LocalNative.Stat(directory, noFollow: true) is not null)
        {
            throw StorageErrors.OperationInvalid($"volume target path '{directory}' already exists");
        }
        try
        {
            Directory.CreateDirectory(directory, (UnixFileMode)(perms.Mode ?? DefaultMode));
            File.SetUnixFileMode(directory, (UnixFileMode)(perms.Mode ?? DefaultMode));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw StorageErrors.Io(e, $"cannot create path '{directory}'");
        }
        LocalNative.Chown(directory, perms.Owner, perms.Group);
    }

    // Directory.Delete removes symlinks themselves, never what they point to.
    private static void RemoveTree(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw StorageErrors.Io(e, $"cannot remove directory '{directory}'");
        }
    }
}
