using Serilog;
using StorageFs.Core;
using StorageFs.Core.Backend;
using StorageFs.Core.Model;
using StorageFs.Backends.HostTools;
using StorageFs.Backends.Mounted;

namespace StorageFs.Backends.Fs;

/// <summary>
/// The <c>fs</c> pool: a block device holding a file system, mounted on the target, whose files
/// are the volumes (libvirt's <c>virStorageBackendFileSystem</c>, src/storage/storage_backend_fs.c).
/// Build makes the target directory and, only when asked (--overwrite, or --no-overwrite on a
/// device blkid finds empty), the file system. Volumes, start (mount with libvirt's argv), stop
/// and refresh (which fails for a file system unmounted behind StorageFs's back rather than
/// listing the empty mount point) are <see cref="MountedFilePoolBackend"/>'s.
/// </summary>
public sealed class FsPoolBackend : MountedFilePoolBackend
{
    /// <summary>An fs backend running mount, umount, mkfs and blkid through <paramref name="runner"/>.</summary>
    public FsPoolBackend(ILogger? logger = null, ICommandRunner? runner = null, string qemuImg = "qemu-img")
        : base(FsPoolCapabilities.Value, logger, runner, qemuImg)
    {
    }

    /// <inheritdoc/>
    public override BackendAvailability Availability() => HostSupport.Check(Capabilities);

    /// <inheritdoc/>
    public override BackendAvailability Availability(PoolDefinition pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        return FsSupport.For(pool.Source.Format);
    }

    /// <inheritdoc/>
    public override void Build(PoolDefinition pool, PoolBuildFlags flags, IOperationProgress progress, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(pool);
        base.Build(pool, PoolBuildFlags.None, progress, cancellation);
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
            DeviceProbe.RequireEmptyForBuild(Runner, device, format);
        }
        Runner.RunChecked(MkfsCommand.For(format, device), cancellation: cancellation);
    }
}
