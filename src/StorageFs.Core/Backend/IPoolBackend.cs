using StorageFs.Core.Model;

namespace StorageFs.Core.Backend;

/// <summary>
/// One storage pool type's implementation (libvirt's <c>virStorageBackend</c>,
/// src/storage/storage_backend.h). The driver calls it without holding any lock, never twice
/// at once for the same pool lifecycle step, and only for operations that
/// <see cref="Capabilities"/> lists; the default bodies give libvirt's empty-slot behaviour
/// (start, stop and build succeed doing nothing; the rest fail with NoSupport). Definitions
/// passed in are the driver's own copies: a backend reads them and fills in the volume it is
/// given (key, path, type, sizes), never anything else. Errors are <see cref="StorageException"/>.
/// </summary>
public interface IPoolBackend : IPoolLifecycleBackend<PoolDefinition>
{
    /// <summary>What this backend supports.</summary>
    PoolBackendCapabilities Capabilities { get; }

    /// <summary>
    /// Whether this host can run the type at all: tools on PATH, kernel features (read fresh on
    /// each call; cheap — a few stat calls and /proc/filesystems). Shown in <c>capabilities</c>.
    /// The default is fully runnable (a backend needing nothing beyond the C library).
    /// </summary>
    BackendAvailability Availability() => BackendAvailability.Full(Capabilities.Type);

    /// <summary>
    /// Whether this host can run <paramref name="pool"/> in particular (a netfs pool's protocol,
    /// an fs pool's file system); the driver checks it before every build and start and refuses
    /// with <see cref="BackendAvailability.Refusal"/> when not runnable. Defaults to
    /// <see cref="Availability()"/>.
    /// </summary>
    BackendAvailability Availability(PoolDefinition pool) => Availability();

    /// <summary>
    /// The volume formats this host can create in a pool of this type: <see
    /// cref="PoolBackendCapabilities.VolumeFormats"/> less those whose tool is missing (the
    /// file pools' qemu-img formats without qemu-img). Shown in <c>capabilities</c>.
    /// </summary>
    IReadOnlyList<string> CreatableVolumeFormats() => Capabilities.VolumeFormats;

    /// <summary><c>refreshPool</c>: sizes and the full volume list.</summary>
    PoolRefreshResult Refresh(PoolDefinition pool, CancellationToken cancellation);

    /// <summary><c>createVol</c>: check the new volume can exist and fill in its key, path and
    /// type; fast, creates nothing yet unless the backend has no separate build step.</summary>
    void CreateVolume(PoolDefinition pool, VolumeDefinition volume) =>
        throw StorageErrors.NoSupport("storage pool does not support volume creation");

    /// <summary><c>buildVol</c>: allocate the volume <see cref="CreateVolume"/> described;
    /// on failure leave nothing behind.</summary>
    void BuildVolume(PoolDefinition pool, VolumeDefinition volume, VolumeCreateFlags flags,
        IOperationProgress progress, CancellationToken cancellation)
    {
    }

    /// <summary><c>buildVolFrom</c>: allocate <paramref name="volume"/> as a copy of
    /// <paramref name="source"/> (a volume of <paramref name="sourcePool"/>, which may be
    /// another pool); on failure leave nothing behind.</summary>
    void CloneVolume(PoolDefinition pool, VolumeDefinition volume, PoolDefinition sourcePool,
        VolumeDefinition source, VolumeCreateFlags flags, IOperationProgress progress, CancellationToken cancellation) =>
        throw StorageErrors.NoSupport("storage pool does not support volume creation from an existing volume");

    /// <summary><c>deleteVol</c>.</summary>
    void DeleteVolume(PoolDefinition pool, VolumeDefinition volume) =>
        throw StorageErrors.NoSupport("storage pool does not support vol deletion");

    /// <summary><c>resizeVol</c> to <paramref name="capacity"/> bytes (absolute; the driver
    /// has applied the delta flag and checked the shrink rules).</summary>
    void ResizeVolume(PoolDefinition pool, VolumeDefinition volume, ulong capacity, VolumeResizeFlags flags) =>
        throw StorageErrors.NoSupport("storage pool does not support changing of volume capacity");

    /// <summary><c>wipeVol</c> with <paramref name="algorithm"/>.</summary>
    void WipeVolume(PoolDefinition pool, VolumeDefinition volume, WipeAlgorithm algorithm,
        IOperationProgress progress, CancellationToken cancellation) =>
        throw StorageErrors.NoSupport("storage pool doesn't support volume wiping");

    /// <summary>
    /// Opens the volume's bytes once, for whoever serves them (libvirt's <c>uploadVol</c> and
    /// <c>downloadVol</c> open the same way): the host descriptor itself where one holds them —
    /// a file opened relative to the pool's directory without following a link out of it, a
    /// device node checked to be one — else a stream. With <see cref="VolumeAccessMode.Read"/>
    /// the descriptor is still read-write where the host allows it (a reader's descriptor may
    /// go on serving a later writer of the same file: the tree keeps one backing file per
    /// inode), and read-only otherwise. The backend keeps no record of the open; the driver
    /// does, in the lease it pairs with this data.
    /// </summary>
    VolumeData OpenVolume(PoolDefinition pool, VolumeDefinition volume, VolumeAccessMode mode) =>
        throw StorageErrors.NoSupport(mode == VolumeAccessMode.Write
            ? "storage pool doesn't support volume upload"
            : "storage pool doesn't support volume download");

    /// <summary>
    /// Opens a volume stored as a directory (a <c>dir</c> volume, a ploop volume, an fs pool's
    /// lost+found) once, as an O_PATH descriptor of that directory, for whoever serves its files
    /// relative to it: opened beneath the pool's directory without following any link, so the
    /// descriptor is the pool's entry itself. No libvirt counterpart (libvirt has no file view of
    /// such volumes). The driver pairs it with a read lease, as for <see cref="OpenVolume"/>.
    /// </summary>
    Microsoft.Win32.SafeHandles.SafeFileHandle OpenVolumeDirectory(PoolDefinition pool, VolumeDefinition volume) =>
        throw StorageErrors.NoSupport("storage pool has no directory volumes");

    /// <summary><c>refreshVol</c>: re-read sizes, format and times of one volume, in place.</summary>
    void RefreshVolume(PoolDefinition pool, VolumeDefinition volume)
    {
    }

    /// <summary>
    /// Keys naming the storage the pool's source is, beyond how the document spells it (a
    /// volume group by its name and UUID; an export by the addresses its server's name resolves
    /// to, and its directory): two pools sharing a key use the same source, and the second is
    /// refused (EEXIST) as libvirt refuses a duplicate source. Asked outside every lock, at
    /// define and create; never fails (what cannot be looked up is keyed as written). Each key
    /// starts with the type's own word, so types never meet by accident.
    /// </summary>
    IReadOnlyList<string> SourceKeys(PoolDefinition pool) => [];

    /// <summary>What <paramref name="volume"/> is a copy-on-write clone of (<c>POOL/IMAGE@SNAP</c>),
    /// as the backend last saw it (no I/O), or null: for <c>info</c>'s "Snapshot of".</summary>
    string? CloneParent(PoolDefinition pool, VolumeDefinition volume) => null;
}
