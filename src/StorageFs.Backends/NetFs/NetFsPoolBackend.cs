using Serilog;
using StorageFs.Backends.Tools;
using StorageFs.Core.Backend;
using StorageFs.Core.Model;

namespace StorageFs.Backends.NetFs;

/// <summary>
/// The <c>netfs</c> pool: a network export (NFS <c>host:dir</c>, GlusterFS <c>host:volume</c>,
/// CIFS <c>//host/share</c>) mounted on the target, whose files are the volumes (libvirt's
/// <c>virStorageBackendNetFileSystem</c>, src/storage/storage_backend_fs.c). The mount command
/// is libvirt's (<see cref="MountCommands"/>); mount(8) hands glusterfs to mount.glusterfs (a
/// FUSE client), nfs and cifs to the kernel. Volumes are the dir backend's. A refresh checks the
/// export is still mounted (libvirt keeps showing a pool whose NFS mount went away).
/// Stateless and thread-safe.
/// </summary>
public sealed class NetFsPoolBackend : IPoolBackend
{
    private readonly ICommandRunner _runner;
    private readonly FileVolumes _files;

    /// <summary>A netfs backend running mount and umount through <paramref name="runner"/>.</summary>
    public NetFsPoolBackend(ILogger? logger = null, ICommandRunner? runner = null, string qemuImg = "qemu-img")
    {
        _runner = runner ?? new ProcessCommandRunner(logger);
        _files = new FileVolumes(logger, qemuImg);
    }

    /// <inheritdoc/>
    public PoolBackendCapabilities Capabilities => NetFsPoolCapabilities.Value;

    /// <inheritdoc/>
    public BackendAvailability Availability() => HostSupport.For(PoolType.NetFs);

    /// <inheritdoc/>
    public BackendAvailability Availability(PoolDefinition pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        return HostSupport.ForNetFs(pool.Source.Format);
    }

    /// <inheritdoc/>
    public bool CheckActive(PoolDefinition pool) => PoolMounts.IsMounted(pool);

    /// <inheritdoc/>
    public void Start(PoolDefinition pool, CancellationToken cancellation) => PoolMounts.Mount(_runner, pool, cancellation);

    /// <inheritdoc/>
    public void Stop(PoolDefinition pool) => PoolMounts.Unmount(_runner, pool);

    /// <inheritdoc/>
    public void Build(PoolDefinition pool, PoolBuildFlags flags, IOperationProgress progress, CancellationToken cancellation) =>
        _files.BuildTarget(pool);

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
