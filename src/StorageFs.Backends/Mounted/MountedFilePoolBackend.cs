using Serilog;
using StorageFs.Core.Backend;
using StorageFs.Core.Model;
using StorageFs.Backends.HostTools;

namespace StorageFs.Backends.Mounted;

/// <summary>
/// A pool whose storage is mounted on the target and whose files are the volumes: what the
/// <c>fs</c> and <c>netfs</c> backends share (libvirt's storage_backend_fs.c serves both).
/// Start mounts with libvirt's argv (<see cref="PoolMounts"/>), stop unmounts, a refresh first
/// checks the mount is still there (rather than listing the empty mount point), and the
/// volumes are the dir backend's (<see cref="FileVolumes"/>). Subclasses say what they can run
/// and how they build. Stateless and thread-safe.
/// </summary>
public abstract class MountedFilePoolBackend : IPoolBackend
{
    private protected MountedFilePoolBackend(ILogger? logger, ICommandRunner? runner, string qemuImg)
    {
        Runner = runner ?? new ProcessCommandRunner(logger);
        Files = new FileVolumes(logger, qemuImg);
    }

    private protected ICommandRunner Runner { get; }

    private protected FileVolumes Files { get; }

    /// <inheritdoc/>
    public abstract PoolBackendCapabilities Capabilities { get; }

    /// <inheritdoc/>
    public abstract BackendAvailability Availability();

    /// <inheritdoc/>
    public abstract BackendAvailability Availability(PoolDefinition pool);

    /// <inheritdoc/>
    public virtual IReadOnlyList<string> SourceKeys(PoolDefinition pool) => [];

    /// <inheritdoc/>
    public IReadOnlyList<string> CreatableVolumeFormats() => Files.CreatableFormats(Capabilities.VolumeFormats);

    /// <inheritdoc/>
    public bool CheckActive(PoolDefinition pool) => PoolMounts.IsMounted(pool);

    /// <inheritdoc/>
    public void Start(PoolDefinition pool, CancellationToken cancellation) => PoolMounts.Mount(Runner, pool, cancellation);

    /// <inheritdoc/>
    public void Stop(PoolDefinition pool) => PoolMounts.Unmount(Runner, pool);

    /// <inheritdoc/>
    public virtual void Build(PoolDefinition pool, PoolBuildFlags flags, IOperationProgress progress, CancellationToken cancellation) =>
        Files.BuildTarget(pool);

    /// <inheritdoc/>
    public void Delete(PoolDefinition pool) => Files.DeleteTarget(pool);

    /// <inheritdoc/>
    public PoolRefreshResult Refresh(PoolDefinition pool, CancellationToken cancellation)
    {
        PoolMounts.RequireMounted(pool);
        return Files.Refresh(pool, cancellation);
    }

    /// <inheritdoc/>
    public void CreateVolume(PoolDefinition pool, VolumeDefinition volume) => Files.CreateVolume(pool, volume);

    /// <inheritdoc/>
    public void BuildVolume(PoolDefinition pool, VolumeDefinition volume, VolumeCreateFlags flags,
        IOperationProgress progress, CancellationToken cancellation) =>
        Files.BuildVolume(pool, volume, flags, progress, cancellation);

    /// <inheritdoc/>
    public void CloneVolume(PoolDefinition pool, VolumeDefinition volume, PoolDefinition sourcePool, VolumeDefinition source,
        VolumeCreateFlags flags, IOperationProgress progress, CancellationToken cancellation) =>
        Files.CloneVolume(pool, volume, sourcePool, source, flags, progress, cancellation);

    /// <inheritdoc/>
    public void DeleteVolume(PoolDefinition pool, VolumeDefinition volume) => Files.DeleteVolume(pool, volume);

    /// <inheritdoc/>
    public void ResizeVolume(PoolDefinition pool, VolumeDefinition volume, ulong capacity, VolumeResizeFlags flags) =>
        Files.ResizeVolume(pool, volume, capacity, flags);

    /// <inheritdoc/>
    public void WipeVolume(PoolDefinition pool, VolumeDefinition volume, WipeAlgorithm algorithm,
        IOperationProgress progress, CancellationToken cancellation) =>
        Files.WipeVolume(pool, volume, algorithm, progress, cancellation);

    /// <inheritdoc/>
    public VolumeData OpenVolume(PoolDefinition pool, VolumeDefinition volume, VolumeAccessMode mode) =>
        Files.OpenVolume(pool, volume, mode);

    /// <inheritdoc/>
    public Microsoft.Win32.SafeHandles.SafeFileHandle OpenVolumeDirectory(PoolDefinition pool, VolumeDefinition volume) =>
        Files.OpenVolumeDirectory(pool, volume);

    /// <inheritdoc/>
    public void RefreshVolume(PoolDefinition pool, VolumeDefinition volume) => Files.RefreshVolume(pool, volume);
}
