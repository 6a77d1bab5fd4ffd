using Serilog;
using StorageFs.Backends.Dir;
using StorageFs.Backends.Ploop;
using StorageFs.Core.Backend;
using StorageFs.Core.Model;

namespace StorageFs.Backends.Tools;

/// <summary>
/// The volume half of the pools whose volumes are files in a directory — fs and netfs, as in
/// libvirt where both share the dir backend's callbacks (src/storage/storage_backend_fs.c). It
/// is the dir backend's code, reached by delegation so fs and netfs behave exactly as dir
/// does once their file system is mounted, plus two things the dir backend does not do (yet):
/// ploop volumes written natively (<see cref="PloopVolumes"/>) and the other image formats
/// qemu-img creates (vmdk, vdi, vpc, qed, qcow), which go through the dir backend's qemu-img
/// path with libvirt's argv.
/// </summary>
public sealed class FileVolumes
{
    private readonly DirPoolBackend _dir;

    /// <summary>File volumes made with <paramref name="qemuImg"/> where an image format needs it.</summary>
    public FileVolumes(ILogger? logger = null, string qemuImg = "qemu-img")
    {
        _dir = new DirPoolBackend(logger, qemuImg);
    }

    /// <summary>The operations file volumes support (the dir backend's).</summary>
    public static PoolOperations VolumeOperations { get; } = DirPoolCapabilities.Value.Operations &
        (PoolOperations.CreateVolume | PoolOperations.CloneVolume | PoolOperations.DeleteVolume |
         PoolOperations.ResizeVolume | PoolOperations.WipeVolume | PoolOperations.UploadVolume |
         PoolOperations.DownloadVolume | PoolOperations.RefreshVolume);

    /// <summary>Formats created beyond the dir backend's: ploop natively, the rest with qemu-img.</summary>
    public static IReadOnlyList<string> ExtraFormats { get; } = ["ploop", "vmdk", "vdi", "vpc", "qed", "qcow"];

    /// <summary>The dir backend's capabilities with <paramref name="type"/>, its own lifecycle
    /// <paramref name="lifecycle"/> and build flags, and the extra formats.</summary>
    public static PoolBackendCapabilities CapabilitiesFor(PoolType type, PoolOperations lifecycle, PoolBuildFlags buildFlags) =>
        DirPoolCapabilities.Value with
        {
            Type = type,
            Operations = VolumeOperations | PoolOperations.Refresh | lifecycle,
            BuildFlags = buildFlags,
            VolumeFormats = [.. DirPoolCapabilities.Value.VolumeFormats.Union(ExtraFormats, StringComparer.Ordinal)],
        };

    /// <summary>mkdir of the target with its permissions (virStorageBackendBuildLocal).</summary>
    public void BuildTarget(PoolDefinition pool) => _dir.Build(pool, PoolBuildFlags.None, NullProgress.Instance, CancellationToken.None);

    /// <summary>rmdir of the target.</summary>
    public void DeleteTarget(PoolDefinition pool) => _dir.Delete(pool);

    /// <summary>Sizes from statvfs of the target and every entry as a volume; directories holding
    /// root.hds and DiskDescriptor.xml are ploop volumes.</summary>
    public PoolRefreshResult Refresh(PoolDefinition pool, CancellationToken cancellation)
    {
        var result = _dir.Refresh(pool, cancellation);
        var problems = result.Problems.ToList();
        foreach (var vol in result.Volumes)
        {
            if (vol.Type == VolumeType.Dir && vol.Target.Path is { } dir && PloopVolumes.IsPloopDirectory(dir))
            {
                try
                {
                    PloopVolumes.Describe(vol);
                }
                catch (Core.StorageException e)
                {
                    problems.Add($"volume '{vol.Name}': {e.Message}");
                }
            }
        }
        return result with { Problems = problems };
    }

    /// <inheritdoc cref="IPoolBackend.CreateVolume"/>
    public void CreateVolume(PoolDefinition pool, VolumeDefinition volume)
    {
        ArgumentNullException.ThrowIfNull(volume);
        if (volume.Target.Format == "ploop")
        {
            PloopVolumes.CheckCreate(volume);
        }
        _dir.CreateVolume(pool, volume);
        if (volume.Target.Format == "ploop")
        {
            volume.Type = VolumeType.Ploop;
        }
    }

    /// <inheritdoc cref="IPoolBackend.BuildVolume"/>
    public void BuildVolume(PoolDefinition pool, VolumeDefinition volume, VolumeCreateFlags flags,
        IOperationProgress progress, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(volume);
        if (volume.Target.Format == "ploop")
        {
            if ((flags & VolumeCreateFlags.PreallocMetadata) != 0)
            {
                throw StorageErrors.ConfigUnsupported("metadata preallocation only available with qcow2");
            }
            PloopVolumes.Create(VolumeFiles.OwnPath(pool, volume), volume, progress);
            return;
        }
        _dir.BuildVolume(pool, volume, flags, progress, cancellation);
    }

    /// <inheritdoc cref="IPoolBackend.CloneVolume"/>
    public void CloneVolume(PoolDefinition pool, VolumeDefinition volume, PoolDefinition sourcePool, VolumeDefinition source,
        VolumeCreateFlags flags, IOperationProgress progress, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(volume);
        ArgumentNullException.ThrowIfNull(source);
        bool fromPloop = PloopVolumes.IsPloop(source);
        if (fromPloop || volume.Target.Format == "ploop")
        {
            if (!fromPloop || volume.Target.Format is not ("ploop" or null))
            {
                throw StorageErrors.ConfigUnsupported("a ploop volume can only be copied to and from another ploop volume");
            }
            volume.Type = VolumeType.Ploop;
            volume.Target.Format = "ploop";
            PloopVolumes.Clone(VolumeFiles.OwnPath(sourcePool, source), VolumeFiles.OwnPath(pool, volume), volume, progress, cancellation);
            return;
        }
        _dir.CloneVolume(pool, volume, sourcePool, source, flags, progress, cancellation);
    }

    /// <inheritdoc cref="IPoolBackend.DeleteVolume"/>
    public void DeleteVolume(PoolDefinition pool, VolumeDefinition volume)
    {
        if (IsPloop(pool, volume))
        {
            PloopVolumes.Delete(VolumeFiles.OwnPath(pool, volume));
            return;
        }
        _dir.DeleteVolume(pool, volume);
    }

    /// <inheritdoc cref="IPoolBackend.ResizeVolume"/>
    public void ResizeVolume(PoolDefinition pool, VolumeDefinition volume, ulong capacity, VolumeResizeFlags flags)
    {
        if (IsPloop(pool, volume))
        {
            PloopVolumes.Resize(VolumeFiles.OwnPath(pool, volume), volume.Name, capacity, flags);
            return;
        }
        _dir.ResizeVolume(pool, volume, capacity, flags);
    }

    /// <inheritdoc cref="IPoolBackend.WipeVolume"/>
    public void WipeVolume(PoolDefinition pool, VolumeDefinition volume, WipeAlgorithm algorithm,
        IOperationProgress progress, CancellationToken cancellation)
    {
        if (IsPloop(pool, volume))
        {
            PloopVolumes.Wipe(VolumeFiles.OwnPath(pool, volume), volume.Name, algorithm, progress, cancellation);
            return;
        }
        _dir.WipeVolume(pool, volume, algorithm, progress, cancellation);
    }

    /// <inheritdoc cref="IPoolBackend.OpenVolume"/>
    public Stream OpenVolume(PoolDefinition pool, VolumeDefinition volume, VolumeAccessMode mode) =>
        IsPloop(pool, volume)
            ? PloopVolumes.Open(VolumeFiles.OwnPath(pool, volume), volume.Name, mode)
            : _dir.OpenVolume(pool, volume, mode);

    /// <inheritdoc cref="IPoolBackend.RefreshVolume"/>
    public void RefreshVolume(PoolDefinition pool, VolumeDefinition volume)
    {
        if (IsPloop(pool, volume))
        {
            volume.Target.Path ??= VolumeFiles.OwnPath(pool, volume);
            volume.Key = volume.Target.Path;
            PloopVolumes.Describe(volume);
            return;
        }
        _dir.RefreshVolume(pool, volume);
    }

    private static bool IsPloop(PoolDefinition pool, VolumeDefinition volume) =>
        PloopVolumes.IsPloop(volume) || PloopVolumes.IsPloopDirectory(VolumeFiles.OwnPath(pool, volume));
}
