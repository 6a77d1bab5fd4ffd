using System.Globalization;
using Serilog;
using StorageFs.Core;
using StorageFs.Core.Backend;
using StorageFs.Core.Model;
using StorageFs.Interop;
using StorageFs.Backends.Files;
using StorageFs.Backends.HostTools;
using StorageFs.Backends.QemuImg;

namespace StorageFs.Backends.Files;

/// <summary>
/// A pool whose volumes are the entries of a local directory: the <c>dir</c> pool, and the
/// <c>fs</c>, <c>netfs</c> and <c>gluster</c> pools once their file system is mounted (libvirt's
/// <c>virStorageBackendDirectory</c>, src/storage/storage_backend_fs.c, whose callbacks fs and
/// netfs share, with the local helpers
/// of src/storage/storage_util.c). Raw volumes are made natively; qcow2 creation, conversion
/// and resize run qemu-img with the argv libvirt builds (<see cref="QemuImgCommandBuilder"/>),
/// as does creation in the other qemu-img formats (vmdk, vdi, vpc, qed, qcow); ploop volumes
/// (a directory with root.hds and DiskDescriptor.xml) are written natively (<see cref="PloopVolumes"/>);
/// files dropped in by other tools are probed by their header. No operation follows a symlink
/// out of the pool, and every new file is opened O_EXCL|O_NOFOLLOW. A type derives from it
/// with its capability record (<see cref="FilePoolCapabilities"/>). Stateless and thread-safe.
/// </summary>
public class FilePoolBackend : IPoolBackend
{
    /// <summary>Default mode of a pool directory (libvirt's VIR_STORAGE_DEFAULT_POOL_PERM_MODE).</summary>
    public const uint DefaultPoolMode = 0x1C9; // 0711

    private readonly QemuImgTool _qemuImg;
    private readonly ILogger _log;

    /// <summary>A file pool of <paramref name="capabilities"/> running <paramref name="qemuImg"/> for image work.</summary>
    public FilePoolBackend(PoolBackendCapabilities capabilities, ILogger? logger = null, string qemuImg = "qemu-img")
    {
        ArgumentNullException.ThrowIfNull(capabilities);
        Capabilities = capabilities;
        _log = (logger ?? Serilog.Core.Logger.None).ForContext(GetType());
        _qemuImg = new QemuImgTool(qemuImg, logger);
    }

    /// <inheritdoc/>
    public PoolBackendCapabilities Capabilities { get; }

    /// <inheritdoc/>
    public virtual BackendAvailability Availability() => _qemuImg.IsAvailable
        ? BackendAvailability.Full(Capabilities.Type)
        : new BackendAvailability(Capabilities.Type, true, _qemuImg.Missing);

    /// <inheritdoc/>
    public virtual BackendAvailability Availability(PoolDefinition pool) => Availability();

    /// <inheritdoc/>
    public IReadOnlyList<string> CreatableVolumeFormats() => _qemuImg.Creatable(Capabilities.VolumeFormats);

    /// <inheritdoc/>
    public virtual bool CheckActive(PoolDefinition pool) => Directory.Exists(Target(pool));

    /// <inheritdoc/>
    public virtual void Build(PoolDefinition pool, PoolBuildFlags flags, IOperationProgress progress, CancellationToken cancellation) =>
        LocalDirectories.Create(Target(pool), pool.Target.Permissions, DefaultPoolMode);

    /// <inheritdoc/>
    public void Delete(PoolDefinition pool) => LocalDirectories.Remove(Target(pool), "failed to remove pool");

    /// <inheritdoc/>
    public virtual PoolRefreshResult Refresh(PoolDefinition pool, CancellationToken cancellation)
    {
        var path = Target(pool);
        var root = LocalDirectories.RequireDirectory(path);
        var volumes = new List<VolumeDefinition>();
        var problems = new List<string>();
        foreach (var name in LocalDirectories.ListableNames(path))
        {
            cancellation.ThrowIfCancellationRequested();
            try
            {
                if (VolumeFiles.Describe(pool, name, _qemuImg, problems) is { } vol)
                {
                    volumes.Add(vol);
                }
            }
            catch (StorageException e)
            {
                problems.Add($"volume '{name}': {e.Message}");
            }
        }
        foreach (var vol in volumes)
        {
            if (vol.Type == VolumeType.Dir && vol.Target.Path is { } dir && PloopVolumes.IsPloopDirectory(dir))
            {
                try
                {
                    PloopVolumes.Describe(vol);
                }
                catch (StorageException e)
                {
                    problems.Add($"volume '{vol.Name}': {e.Message}");
                }
            }
        }
        foreach (var problem in problems)
        {
            _log.Warning("Pool {Pool}: {Problem}", pool.Name, problem);
        }
        return new PoolRefreshResult(LocalNative.FileSystemSizes(path), volumes, LocalDirectories.PermissionsOf(root), problems);
    }

    /// <inheritdoc/>
    public void CreateVolume(PoolDefinition pool, VolumeDefinition volume)
    {
        if (volume.Target.Encryption is not null)
        {
            throw StorageErrors.ConfigUnsupported("encrypted volumes are not supported by StorageFs");
        }
        if (volume.Target.Format == "ploop")
        {
            PloopVolumes.CheckCreate(volume);
        }
        var path = VolumeFiles.PathOf(pool, volume.Name);
        if (LocalNative.Stat(path, noFollow: true) is not null)
        {
            throw StorageErrors.OperationInvalid($"volume target path '{path}' already exists");
        }
        volume.Type = volume.Target.Format switch
        {
            "dir" => VolumeType.Dir,
            "ploop" => VolumeType.Ploop,
            _ => VolumeType.File,
        };
        volume.Target.Path = path;
        volume.Key = path;
    }

    /// <inheritdoc/>
    public void BuildVolume(PoolDefinition pool, VolumeDefinition volume, VolumeCreateFlags flags,
        IOperationProgress progress, CancellationToken cancellation)
    {
        var path = VolumeFiles.OwnPath(pool, volume);
        var format = volume.Target.Format ?? "raw";
        bool prealloc = (flags & VolumeCreateFlags.PreallocMetadata) != 0;
        if (format != "qcow2" && prealloc)
        {
            throw StorageErrors.ConfigUnsupported("metadata preallocation only available with qcow2");
        }
        switch (format)
        {
            case "ploop":
                PloopVolumes.Create(path, volume, progress);
                return;
            case "dir":
                LocalDirectories.Create(path, volume.Target.Permissions, RawFiles.DefaultVolumeMode);
                return;
            case "raw":
                if (volume.BackingStore is not null)
                {
                    throw StorageErrors.ConfigUnsupported("cannot set backing store for raw volume");
                }
                RawFiles.Create(path, volume.Capacity, volume.Allocation, volume.Target.Permissions, progress, cancellation);
                return;
        }
        if (!_qemuImg.IsAvailable)
        {
            throw _qemuImg.NotInstalled($"creating a {format} volume");
        }
        if (volume.BackingStore is { } backing && !File.Exists(backing.Path))
        {
            throw StorageErrors.Internal($"inaccessible backing store volume {backing.Path}");
        }
        var argv = QemuImgCommandBuilder.Build(new QemuImgRequest
        {
            Volume = volume,
            Flags = prealloc ? QemuImgCreateFlags.PreallocMetadata : QemuImgCreateFlags.None,
            Tool = _qemuImg.Program,
        }, QemuImgStep.Single);
        progress.SetTotal(volume.Capacity);
        RunCreatingFile(path, volume.Target.Permissions, () => _qemuImg.Run(argv, cancellation));
        progress.Report(volume.Capacity);
    }

    /// <inheritdoc/>
    public void CloneVolume(PoolDefinition pool, VolumeDefinition volume, PoolDefinition sourcePool,
        VolumeDefinition source, VolumeCreateFlags flags, IOperationProgress progress, CancellationToken cancellation)
    {
        var path = VolumeFiles.OwnPath(pool, volume);
        bool fromPloop = PloopVolumes.IsPloop(source);
        if (fromPloop || volume.Target.Format == "ploop")
        {
            if (!fromPloop || volume.Target.Format is not ("ploop" or null))
            {
                throw StorageErrors.ConfigUnsupported("a ploop volume can only be copied to and from another ploop volume");
            }
            volume.Type = VolumeType.Ploop;
            volume.Target.Format = "ploop";
            PloopVolumes.Clone(VolumeFiles.OwnPath(sourcePool, source), path, volume, progress, cancellation);
            return;
        }
        var input = VolumeFiles.DataPath(sourcePool, source, "copied");
        // A block volume's format is its partition type (none, linux…); its bytes are raw. A
        // file's format is read from its header now: the driver holds the source in use for
        // the copy, but its definition may predate the last upload or wipe
        // ("Image is not in qcow2 format" was EIO under concurrent writers).
        var inFormat = source.Type == VolumeType.Block ? "raw"
            : source.Type == VolumeType.File ? ProbedFormat(input) ?? source.Target.Format ?? "raw"
            : source.Target.Format ?? "raw";
        var outFormat = volume.Target.Format ?? "raw";
        if (inFormat is "dir" or "none" || outFormat == "dir")
        {
            throw StorageErrors.ConfigUnsupported($"cannot copy a '{inFormat}' volume into a '{outFormat}' volume");
        }
        bool demand = (flags & VolumeCreateFlags.Reflink) != 0;
        var share = demand ? RawFiles.Sharing.Demand
            : (flags & VolumeCreateFlags.PreferReflink) != 0 ? RawFiles.Sharing.Prefer : RawFiles.Sharing.Never;
        bool sameBytes = inFormat == outFormat && volume.BackingStore is null && (flags & VolumeCreateFlags.PreallocMetadata) == 0;
        if (inFormat == "raw" && sameBytes)
        {
            bool sparse = volume.Allocation < volume.Capacity;
            RawFiles.Copy(input, path, volume.Capacity, sparse, share, volume.Target.Permissions, progress, cancellation);
            return;
        }
        // An image copied as it is (qcow2 to qcow2 of the same size): its blocks can be shared
        // as a raw file's are; anything converted is new bytes.
        if (sameBytes && share != RawFiles.Sharing.Never && volume.Capacity <= source.Capacity && source.Type == VolumeType.File &&
            RawFiles.TryShare(input, path, volume.Target.Permissions, demand, progress))
        {
            return;
        }
        if (demand)
        {
            throw StorageErrors.ConfigUnsupported(
                $"reflink shares blocks only between files of one format and size: '{inFormat}' into '{outFormat}' is a conversion");
        }
        var inputDef = new VolumeDefinition { Name = source.Name, Type = VolumeType.File, Capacity = source.Capacity };
        inputDef.Target.Path = input;
        inputDef.Target.Format = inFormat;
        var argv = QemuImgCommandBuilder.Build(new QemuImgRequest
        {
            Volume = volume,
            Input = inputDef,
            Flags = (flags & VolumeCreateFlags.PreallocMetadata) != 0 ? QemuImgCreateFlags.PreallocMetadata : QemuImgCreateFlags.None,
            Tool = _qemuImg.Program,
        }, QemuImgStep.Single).ToList();
        argv.Insert(2, "-p");
        progress.SetTotal(source.Capacity);
        RunCreatingFile(path, volume.Target.Permissions, () =>
        {
            _qemuImg.Run(argv, cancellation, percent => progress.Report((ulong)(source.Capacity * Math.Clamp(percent, 0, 100) / 100)));
            if (volume.Capacity > source.Capacity)
            {
                _qemuImg.Run([_qemuImg.Program, "resize", "-f", outFormat, path,
                    RoundUp512(volume.Capacity).ToString(CultureInfo.InvariantCulture)], cancellation);
            }
        });
    }

    /// <inheritdoc/>
    public void DeleteVolume(PoolDefinition pool, VolumeDefinition volume)
    {
        var path = VolumeFiles.OwnPath(pool, volume);
        if (IsPloop(pool, volume))
        {
            PloopVolumes.Delete(path);
            return;
        }
        // Through the pool directory's descriptor: a link swapped into the pool's path cannot
        // point the unlink elsewhere.
        using var dir = LocalDirectories.Open(Target(pool));
        var st = LocalNative.StatAt(dir, volume.Name, path)
            ?? throw StorageErrors.System((int)Errno.ENOENT, $"cannot unlink file '{path}'");
        LocalNative.RemoveAt(dir, volume.Name, st.IsDirectory,
            st.IsDirectory ? $"cannot remove directory '{path}'" : $"cannot unlink file '{path}'");
    }

    /// <inheritdoc/>
    public void ResizeVolume(PoolDefinition pool, VolumeDefinition volume, ulong capacity, VolumeResizeFlags flags)
    {
        if (IsPloop(pool, volume))
        {
            PloopVolumes.Resize(VolumeFiles.OwnPath(pool, volume), volume.Name, capacity, flags);
            return;
        }
        var path = VolumeFiles.DataPath(pool, volume, "resized");
        bool allocate = (flags & VolumeResizeFlags.Allocate) != 0;
        switch (volume.Target.Format ?? "raw")
        {
            case "raw":
                RawFiles.Resize(path, capacity, allocate);
                return;
            case "dir" or "none":
                throw StorageErrors.ConfigUnsupported($"cannot resize a '{volume.Target.Format}' volume");
        }
        if (allocate)
        {
            throw StorageErrors.ConfigUnsupported("preallocate is only supported for raw type volume");
        }
        // virStorageBackendFilesystemResizeQemuImg: qemu-img resize [--shrink] PATH SIZE (512-aligned).
        var argv = new List<string> { _qemuImg.Program, "resize" };
        if (capacity < volume.Capacity)
        {
            argv.Add("--shrink");
        }
        argv.Add(path);
        argv.Add(RoundUp512(capacity).ToString(CultureInfo.InvariantCulture));
        _qemuImg.Run(argv, CancellationToken.None);
    }

    /// <inheritdoc/>
    public void WipeVolume(PoolDefinition pool, VolumeDefinition volume, WipeAlgorithm algorithm,
        IOperationProgress progress, CancellationToken cancellation)
    {
        if (IsPloop(pool, volume))
        {
            PloopVolumes.Wipe(VolumeFiles.OwnPath(pool, volume), volume.Name, algorithm, progress, cancellation);
            return;
        }
        if (volume.Type == VolumeType.Dir)
        {
            throw StorageErrors.ArgumentUnsupported($"cannot wipe directory volume '{volume.Name}'");
        }
        Wiper.Wipe(VolumeFiles.DataPath(pool, volume, "wiped"), algorithm, progress, cancellation);
    }

    /// <inheritdoc/>
    public VolumeData OpenVolume(PoolDefinition pool, VolumeDefinition volume, VolumeAccessMode mode)
    {
        if (IsPloop(pool, volume))
        {
            // The guest's bytes are root.hds behind a header, not one file as shown: a stream.
            return VolumeData.FromStream(PloopVolumes.Open(VolumeFiles.OwnPath(pool, volume), volume.Name, mode));
        }
        return FileVolumeData.Open(pool, volume, mode);
    }

    /// <inheritdoc/>
    public Microsoft.Win32.SafeHandles.SafeFileHandle OpenVolumeDirectory(PoolDefinition pool, VolumeDefinition volume)
    {
        var target = Target(pool);
        // The driver has just checked the target resolves to itself, so it holds no symlink;
        // the entry is opened beneath it without following one (a link swapped in: ELOOP).
        using var dir = LocalNative.OpenAt2(null, target, Libc.O_PATH | Libc.O_DIRECTORY,
            Libc.RESOLVE_NO_SYMLINKS, out int errno)
            ?? throw StorageErrors.System(errno, $"cannot open pool directory '{target}'");
        return LocalNative.OpenBeneath(dir, volume.Name, Libc.O_PATH | Libc.O_DIRECTORY | Libc.O_NOFOLLOW, 0, out errno)
            ?? throw StorageErrors.System(errno, $"cannot open volume directory '{VolumeFiles.PathOf(pool, volume.Name)}'");
    }

    /// <inheritdoc/>
    public void RefreshVolume(PoolDefinition pool, VolumeDefinition volume)
    {
        if (IsPloop(pool, volume))
        {
            volume.Target.Path ??= VolumeFiles.OwnPath(pool, volume);
            volume.Key = volume.Target.Path;
            PloopVolumes.Describe(volume);
            return;
        }
        VolumeFiles.Refresh(pool, volume, _qemuImg);
    }

    // The format a regular file's header says it is; null for anything else.
    private static string? ProbedFormat(string path)
    {
        using var handle = LocalDirectories.OpenFile(path, Libc.O_RDONLY | Libc.O_NONBLOCK, "cannot open volume");
        var st = LocalNative.Stat(handle, path);
        return st.IsRegular ? ImageProbe.Probe(handle, st.Size).Format : null;
    }

    private static bool IsPloop(PoolDefinition pool, VolumeDefinition volume) =>
        PloopVolumes.IsPloop(volume) || PloopVolumes.IsPloopDirectory(VolumeFiles.OwnPath(pool, volume));

    private static string Target(PoolDefinition pool) =>
        pool.Target.Path ?? throw StorageErrors.Internal($"pool '{pool.Name}' has no target path");

    private static ulong RoundUp512(ulong bytes) => (bytes + 511) / 512 * 512;

    // Runs a tool that creates path; on failure the half-made file goes, on success it gets the
    // volume's mode (default 0600) and owner, as libvirt's qemu-img create path does.
    private static void RunCreatingFile(string path, StoragePermissions perms, Action run)
    {
        try
        {
            run();
            // Mode and owner through descriptors (the pool directory's, walked without links,
            // then the file's, O_NOFOLLOW): a link swapped in cannot redirect root's chmod/chown.
            using var dir = LocalDirectories.Open(Path.GetDirectoryName(path)!);
            using var file = LocalNative.OpenBeneath(dir, Path.GetFileName(path), Libc.O_RDONLY | Libc.O_NOFOLLOW, 0, out int errno)
                ?? throw StorageErrors.System(errno, $"cannot open '{path}'");
            File.SetUnixFileMode(file, (UnixFileMode)(perms.Mode ?? RawFiles.DefaultVolumeMode));
            LocalNative.Chown(file, path, perms.Owner, perms.Group);
        }
        catch
        {
            try
            {
                File.Delete(path);
            }
            catch (IOException)
            {
            }
            throw;
        }
    }
}
