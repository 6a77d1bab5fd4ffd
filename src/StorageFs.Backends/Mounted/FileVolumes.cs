using Serilog;
using StorageFs.Core.Backend;
using StorageFs.Core.Model;
using StorageFs.Backends.Dir;

namespace StorageFs.Backends.Mounted;

/// <summary>
/// The volume half of the pools whose volumes are files in a directory — fs and netfs, as in
/// libvirt where both share the dir backend's callbacks (src/storage/storage_backend_fs.c). It
/// is the dir backend's code, reached by delegation so fs and netfs behave exactly as dir
/// does once their file system is mounted (ploop volumes and the other qemu-img formats
/// included).
/// </summary>
public sealed class FileVolumes
{
    private readonly DirPoolBackend _dir;

    /// <summary>File volumes made with <paramref name="qemuImg"/> where an image format needs it.</summary>
    public FileVolumes(ILogger? logger = null, string qemuImg = "qemu-img")
    {
        _dir = new DirPoolBackend(logger, qemuImg);
    }

    /// <summary>The formats this host can create (no qemu-img formats without qemu-img).</summary>
    public IReadOnlyList<string> CreatableFormats(IReadOnlyList<string> offered) =>
        offered.Where(_dir.CreatableVolumeFormats().Contains).ToList();

    /// <summary>The operations file volumes support (the dir backend's).</summary>
    public static PoolOperations VolumeOperations { get; } = DirPoolCapabilities.Value.Operations &
        (PoolOperations.CreateVolume | PoolOperations.CloneVolume | PoolOperations.DeleteVolume |
         PoolOperations.ResizeVolume | PoolOperations.WipeVolume | PoolOperations.UploadVolume |
         PoolOperations.DownloadVolume | PoolOperations.RefreshVolume);

    /// <summary>The dir backend's capabilities with <paramref name="type"/>, its own lifecycle
    /// <paramref name="lifecycle"/> and build flags.</summary>
    public static PoolBackendCapabilities CapabilitiesFor(PoolType type, PoolOperations lifecycle, PoolBuildFlags buildFlags) =>
        DirPoolCapabilities.Value with
        {
            Type = type,
            Operations = VolumeOperations | PoolOperations.Refresh | lifecycle,
            BuildFlags = buildFlags,
        };

    /// <summary>mkdir of the target with its permissions (virStorageBackendBuildLocal).</summary>
    public void BuildTarget(PoolDefinition pool) => _dir.Build(pool, PoolBuildFlags.None, NullProgress.Instance, CancellationToken.None);

    /// <summary>rmdir of the target.</summary>
    public void DeleteTarget(PoolDefinition pool) => _dir.Delete(pool);

    /// <summary>Sizes from statvfs of the target and every entry as a volume.</summary>
    public PoolRefreshResult Refresh(PoolDefinition pool, CancellationToken cancellation) => _dir.Refresh(pool, cancellation);

    /// <inheritdoc cref="IPoolBackend.CreateVolume"/>
    public void CreateVolume(PoolDefinition pool, VolumeDefinition volume) => _dir.CreateVolume(pool, volume);

    /// <inheritdoc cref="IPoolBackend.BuildVolume"/>
    public void BuildVolume(PoolDefinition pool, VolumeDefinition volume, VolumeCreateFlags flags,
        IOperationProgress progress, CancellationToken cancellation) =>
        _dir.BuildVolume(pool, volume, flags, progress, cancellation);

    /// <inheritdoc cref="IPoolBackend.CloneVolume"/>
    public void CloneVolume(PoolDefinition pool, VolumeDefinition volume, PoolDefinition sourcePool, VolumeDefinition source,
        VolumeCreateFlags flags, IOperationProgress progress, CancellationToken cancellation) =>
        _dir.CloneVolume(pool, volume, sourcePool, source, flags, progress, cancellation);

    /// <inheritdoc cref="IPoolBackend.DeleteVolume"/>
    public void DeleteVolume(PoolDefinition pool, VolumeDefinition volume) => _dir.DeleteVolume(pool, volume);

    /// <inheritdoc cref="IPoolBackend.ResizeVolume"/>
    public void ResizeVolume(PoolDefinition pool, VolumeDefinition volume, ulong capacity, VolumeResizeFlags flags) =>
        _dir.ResizeVolume(pool, volume, capacity, flags);

    /// <inheritdoc cref="IPoolBackend.WipeVolume"/>
    public void WipeVolume(PoolDefinition pool, VolumeDefinition volume, WipeAlgorithm algorithm,
        IOperationProgress progress, CancellationToken cancellation) =>
        _dir.WipeVolume(pool, volume, algorithm, progress, cancellation);

    /// <inheritdoc cref="IPoolBackend.OpenVolume"/>
    public VolumeData OpenVolume(PoolDefinition pool, VolumeDefinition volume, VolumeAccessMode mode) => _dir.OpenVolume(pool, volume, mode);

    /// <inheritdoc cref="IPoolBackend.OpenVolumeDirectory"/>
    public Microsoft.Win32.SafeHandles.SafeFileHandle OpenVolumeDirectory(PoolDefinition pool, VolumeDefinition volume) =>
        _dir.OpenVolumeDirectory(pool, volume);

    /// <inheritdoc cref="IPoolBackend.RefreshVolume"/>
    public void RefreshVolume(PoolDefinition pool, VolumeDefinition volume) => _dir.RefreshVolume(pool, volume);
}
