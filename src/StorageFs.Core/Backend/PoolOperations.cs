namespace StorageFs.Core.Backend;

/// <summary>
/// The operations a pool backend implements: one flag per optional callback of libvirt's
/// <c>virStorageBackend</c> table (src/storage/storage_backend.h). A missing
/// <see cref="Start"/>, <see cref="Stop"/> or <see cref="Build"/> is a no-op success, as in
/// libvirt's driver; any other missing operation makes the driver fail with libvirt's
/// "storage pool does not support …" message and <see cref="ErrorCode.NoSupport"/>.
/// </summary>
[Flags]
public enum PoolOperations
{
    None = 0,

    /// <summary><c>checkPool</c>: tell whether the pool is already usable (at load).</summary>
    Check = 1 << 0,

    /// <summary><c>startPool</c>: mount, log in, activate.</summary>
    Start = 1 << 1,

    /// <summary><c>stopPool</c>: unmount, log out, deactivate.</summary>
    Stop = 1 << 2,

    /// <summary><c>buildPool</c>: create the target, format the device.</summary>
    Build = 1 << 3,

    /// <summary><c>deletePool</c>: remove the target.</summary>
    Delete = 1 << 4,

    /// <summary><c>refreshPool</c>: read sizes and the volume list (every backend has it).</summary>
    Refresh = 1 << 5,

    /// <summary><c>createVol</c> (+ <c>buildVol</c>): create a volume from XML.</summary>
    CreateVolume = 1 << 6,

    /// <summary><c>buildVolFrom</c>: create a volume as a copy of another (clone).</summary>
    CloneVolume = 1 << 7,

    /// <summary><c>deleteVol</c>.</summary>
    DeleteVolume = 1 << 8,

    /// <summary><c>resizeVol</c>.</summary>
    ResizeVolume = 1 << 9,

    /// <summary><c>wipeVol</c>.</summary>
    WipeVolume = 1 << 10,

    /// <summary><c>uploadVol</c>: open a volume's data for writing.</summary>
    UploadVolume = 1 << 11,

    /// <summary><c>downloadVol</c>: open a volume's data for reading.</summary>
    DownloadVolume = 1 << 12,

    /// <summary><c>refreshVol</c>: re-read one volume's sizes and format.</summary>
    RefreshVolume = 1 << 13,
}
