using Serilog;
using StorageFs.Backends.Files;
using StorageFs.Backends.HostTools;
using StorageFs.Core.Backend;
using StorageFs.Core.Model;

namespace StorageFs.Backends.Mounted;

/// <summary>
/// A pool whose storage is mounted on the target and whose files are the volumes: what the
/// <c>fs</c> and <c>netfs</c> backends share (libvirt's storage_backend_fs.c serves both).
/// Start mounts with libvirt's argv (<see cref="PoolMounts"/>), stop unmounts, a refresh first
/// checks the mount is still there (rather than listing the empty mount point); the volumes are
/// the file pool's (<see cref="FilePoolBackend"/>). Subclasses say what they can run and how they
/// build. Stateless and thread-safe.
/// </summary>
public abstract class MountedFilePoolBackend : FilePoolBackend, IPoolBackend
{
    private protected MountedFilePoolBackend(PoolBackendCapabilities capabilities, ILogger? logger, ICommandRunner? runner, string qemuImg)
        : base(capabilities, logger, qemuImg)
    {
        Runner = runner ?? new ProcessCommandRunner(logger);
    }

    private protected ICommandRunner Runner { get; }

    /// <inheritdoc/>
    public override bool CheckActive(PoolDefinition pool) => PoolMounts.IsMounted(pool);

    /// <inheritdoc/>
    public virtual IReadOnlyList<string> SourceKeys(PoolDefinition pool) => [];

    /// <inheritdoc/>
    public void Start(PoolDefinition pool, CancellationToken cancellation) => PoolMounts.Mount(Runner, pool, cancellation);

    /// <inheritdoc/>
    public void Stop(PoolDefinition pool) => PoolMounts.Unmount(Runner, pool);

    /// <inheritdoc/>
    public override PoolRefreshResult Refresh(PoolDefinition pool, CancellationToken cancellation)
    {
        PoolMounts.RequireMounted(pool);
        return base.Refresh(pool, cancellation);
    }
}
