using Serilog;
using StorageFs.Backends.Tools;
using StorageFs.Core;
using StorageFs.Core.Backend;
using StorageFs.Core.Model;

namespace StorageFs.Backends.Fs;

/// <summary>
/// The <c>fs</c> pool: a block device holding a file system, mounted on the target, whose files
/// are the volumes (libvirt's <c>virStorageBackendFileSystem</c>, src/storage/storage_backend_fs.c).
/// Build makes the target directory and, only when asked (--overwrite, or --no-overwrite on a
/// device blkid finds empty), the file system; start mounts it with libvirt's argv; stop
/// unmounts it. Volumes are the dir backend's (<see cref="FileVolumes"/>). A refresh of a pool
/// whose file system was unmounted behind StorageFs's back fails rather than listing the empty
/// mount point. Stateless and thread-safe.
/// </summary>
public sealed class FsPoolBackend : IPoolBackend
{
    private readonly ICommandRunner _runner;
    private readonly FileVolumes _files;

    /// <summary>An fs backend running mount, umount, mkfs and blkid through <paramref name="runner"/>.</summary>
    public FsPoolBackend(ILogger? logger = null, ICommandRunner? runner = null, string qemuImg = "qemu-img")
    {
        _runner = runner ?? new ProcessCommandRunner(logger);
        _files = new FileVolumes(logger, qemuImg);
    }

    /// <inheritdoc/>
    public PoolBackendCapabilities Capabilities => FsPoolCapabilities.Value;

    /// <inheritdoc/>
    public BackendAvailability Availability() => HostSupport.For(PoolType.Fs);

    /// <inheritdoc/>
    public BackendAvailability Availability(PoolDefinition pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        return HostSupport.ForFs(pool.Source.Format);
    }

    /// <inheritdoc/>
    public bool CheckActive(PoolDefinition pool) => PoolMounts.IsMounted(pool);

    /// <inheritdoc/>
    public void Start(PoolDefinition pool, CancellationToken cancellation) => PoolMounts.Mount(_runner, pool, cancellation);

    /// <inheritdoc/>
    public void Stop(PoolDefinition pool) => PoolMounts.Unmount(_runner, pool);

    /// <inheritdoc/>
    public void Build(PoolDefinition pool, PoolBuildFlags flags, IOperationProgress progress, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(pool);
        _files.BuildTarget(pool);
        if ((flags & (PoolBuildFlags.Overwrite | PoolBuildFlags.NoOverwrite)) == 0)
        {
            return;
        }
        var device = MountCommands.Source(pool);
        if (!File.Exists(device))
        {
            throw StorageErrors.OperationInvalid($"Source device does not exist when formatting pool '{pool.Name}'");
        }
        var format = pool.Source.Format ?? "auto";
        if (format == "auto")
        {
            throw StorageErrors.ConfigUnsupported(
                $"pool '{pool.Name}' has source format 'auto', which names no file system to create; give <format type='ext4'/> or another");
        }
        if ((flags & PoolBuildFlags.NoOverwrite) != 0)
        {
            DeviceProbe.RequireEmptyForBuild(_runner, device, format);
        }
        _runner.RunChecked(MkfsCommand.For(format, device), cancellation: cancellation);
    }

    /// <inheritdoc/>
    public void Delete(PoolDefinition pool) => _files.DeleteTarget(pool);

    /// <inheritdoc/>
    public PoolRefreshResult Refresh(PoolDefinition pool, CancellationToken cancellation)
    {
        PoolMounts.RequireMounted(pool);
        return _files.Refresh(pool, cancellation);
    }

    /// <inheritdoc/>
    public void CreateVolume(PoolDefinition pool, VolumeDefinition volume) => _files.CreateVolume(pool, volume);

    /// <inheritdoc/>
    public void BuildVolume(PoolDefinition pool, VolumeDefinition volume, VolumeCreateFlags flags,
        IOperationProgress progress, CancellationToken cancellation) =>
        _files.BuildVolume(pool, volume, flags, progress, cancellation);

    /// <inheritdoc/>
    public void CloneVolume(PoolDefinition pool, VolumeDefinition volume, PoolDefinition sourcePool, VolumeDefinition source,
        VolumeCreateFlags flags, IOperationProgress progress, CancellationToken cancellation) =>
        _files.CloneVolume(pool, volume, sourcePool, source, flags, progress, cancellation);

    /// <inheritdoc/>
    public void DeleteVolume(PoolDefinition pool, VolumeDefinition volume) => _files.DeleteVolume(pool, volume);

    /// <inheritdoc/>
    public void ResizeVolume(PoolDefinition pool, VolumeDefinition volume, ulong capacity, VolumeResizeFlags flags) =>
        _files.ResizeVolume(pool, volume, capacity, flags);

    /// <inheritdoc/>
    public void WipeVolume(PoolDefinition pool, VolumeDefinition volume, WipeAlgorithm algorithm,
        IOperationProgress progress, CancellationToken cancellation) =>
        _files.WipeVolume(pool, volume, algorithm, progress, cancellation);

    /// <inheritdoc/>
    public Stream OpenVolume(PoolDefinition pool, VolumeDefinition volume, VolumeAccessMode mode) =>
        _files.OpenVolume(pool, volume, mode);

    /// <inheritdoc/>
    public void RefreshVolume(PoolDefinition pool, VolumeDefinition volume) => _files.RefreshVolume(pool, volume);
}
