using Serilog;
using StorageFs.Core;
using StorageFs.Core.Backend;
using StorageFs.Core.Model;
using StorageFs.Core.Secrets;
using StorageFs.Backends.Devices;
using StorageFs.Backends.HostTools;

namespace StorageFs.Backends.IscsiDirect;

/// <summary>
/// The <c>iscsi-direct</c> pool: the LUNs of one iSCSI target reached from user space, with no
/// kernel initiator (libvirt's <c>virStorageBackendISCSIDirect</c>,
/// src/storage/storage_backend_iscsi_direct.c, which links libiscsi; StorageFs runs libiscsi's
/// tools instead). Each refresh logs in with the pool's initiator IQN (and CHAP when the pool has
/// &lt;auth&gt;), lists the LUNs and reads each disk's capacity; every LUN is a network volume
/// named <c>unit:0:0:N</c> (non-disk LUNs such as the array controller at LUN 0 with capacity 0,
/// as libvirt lists them). The pool's capacity and allocation are the LUNs' total, available 0.
/// A LUN's bytes are served in process through libiscsi (<see cref="OpenVolume"/>: a stream,
/// there being no host descriptor without a kernel initiator), with sessions shared by the
/// opens of each LUN (<see cref="IscsiLunRegistry"/>) and every command bounded by
/// <see cref="IoTimeout"/>. Thread-safe.
/// </summary>
public sealed class IscsiDirectPoolBackend : IPoolBackend
{
    private readonly ICommandRunner _runner;
    private readonly ISecretStore _secrets;
    private readonly ILogger _log;
    private readonly IscsiLunRegistry _luns = new();

    /// <summary>An iscsi-direct backend taking CHAP secrets from <paramref name="secrets"/>;
    /// <paramref name="ioTimeout"/> bounds each login and command of the data path (default
    /// <see cref="DefaultIoTimeout"/>).</summary>
    public IscsiDirectPoolBackend(ILogger? logger = null, ICommandRunner? runner = null, ISecretStore? secrets = null,
        TimeSpan? ioTimeout = null)
    {
        _log = (logger ?? Serilog.Core.Logger.None).ForContext<IscsiDirectPoolBackend>();
        _runner = runner ?? new ProcessCommandRunner(logger);
        _secrets = secrets ?? new SecretDriver();
        IoTimeout = ioTimeout ?? DefaultIoTimeout;
    }

    /// <summary>
    /// How long a login or one SCSI command of the data path may wait for the target before it
    /// fails with ETIMEDOUT: 30 s (the kernel initiator's default <c>replacement_timeout</c> is
    /// 120 s, its SCSI command timeout 30 s), or <c>STORAGEFS_ISCSI_TIMEOUT</c> seconds from the
    /// daemon's environment (storagefs(8), ENVIRONMENT).
    /// </summary>
    public static TimeSpan DefaultIoTimeout { get; } =
        int.TryParse(Environment.GetEnvironmentVariable("STORAGEFS_ISCSI_TIMEOUT"), System.Globalization.NumberStyles.None,
            System.Globalization.CultureInfo.InvariantCulture, out int s) && s > 0
            ? TimeSpan.FromSeconds(s)
            : TimeSpan.FromSeconds(30);

    /// <summary>The bound on each login and command of the data path.</summary>
    public TimeSpan IoTimeout { get; }

    /// <inheritdoc/>
    public PoolBackendCapabilities Capabilities => IscsiDirectPoolCapabilities.Value;

    /// <inheritdoc/>
    public BackendAvailability Availability()
    {
        var tools = HostSupport.Check(Capabilities);
        if (!tools.Runnable || LibIscsi.Loadable())
        {
            return tools;
        }
        const string note = "libiscsi.so.7 (Debian package libiscsi7) cannot be loaded: volumes' bytes cannot be read or written";
        return tools with { Reason = tools.Reason.Length > 0 ? tools.Reason + "; " + note : note };
    }

    /// <inheritdoc/>
    public bool CheckActive(PoolDefinition pool)
    {
        try
        {
            ListLuns(pool, CancellationToken.None);
            return true;
        }
        catch (StorageException e)
        {
            _log.Debug("Pool {Pool}: target not reachable: {Error}", pool.Name, e.Message);
            return false;
        }
    }

    /// <inheritdoc/>
    public PoolRefreshResult Refresh(PoolDefinition pool, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(pool);
        var (portal, target, initiator, credentials) = Connection(pool);
        var volumes = new List<VolumeDefinition>();
        ulong total = 0;
        foreach (var lun in ListLuns(pool, cancellation))
        {
            cancellation.ThrowIfCancellationRequested();
            ulong capacity = 0;
            if (lun.IsDisk)
            {
                var result = _runner.Run(
                    LibIscsiCommands.ReadCapacity(initiator, portal, credentials?.User, target, lun.Lun),
                    cancellation: cancellation, environment: credentials?.Environment);
                if (!result.Succeeded)
                {
                    throw Failure(_runner, result, pool, target, portal, credentials);
                }
                capacity = IscsiLsOutput.TotalSize(result.Stdout);
            }
            var path = IscsiPortal.VolumePath(portal, target, lun.Lun);
            var vol = new VolumeDefinition
            {
                Name = IscsiPortal.VolumeName(lun.Lun),
                Key = path,
                Type = VolumeType.Network,
                Capacity = capacity,
                Allocation = capacity,
            };
            vol.Target.Path = path;
            volumes.Add(vol);
            total += capacity;
        }
        return new PoolRefreshResult(new PoolSizes(total, total, 0), volumes, null, []);
    }

    /// <inheritdoc/>
    public void WipeVolume(PoolDefinition pool, VolumeDefinition volume, WipeAlgorithm algorithm,
        IOperationProgress progress, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(volume);
        ArgumentNullException.ThrowIfNull(progress);
        if (algorithm != WipeAlgorithm.Zero)
        {
            throw StorageErrors.ArgumentUnsupported($"unsupported algorithm {(int)algorithm}");
        }
        var (portal, target, initiator, credentials) = Connection(pool);
        int lun = LunOf(volume);
        if (volume.Capacity == 0)
        {
            throw StorageErrors.ArgumentUnsupported($"volume '{volume.Name}' is not a disk LUN; there is nothing to wipe");
        }
        progress.SetTotal(volume.Capacity);
        string? secretDir = null;
        try
        {
            string? secretFile = null;
            if (credentials is not null)
            {
                secretDir = Directory.CreateTempSubdirectory("storagefs-chap-").FullName;
                File.SetUnixFileMode(secretDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                secretFile = Path.Combine(secretDir, "secret");
                using (var f = new FileStream(secretFile, new FileStreamOptions
                {
                    Mode = FileMode.CreateNew,
                    Access = FileAccess.Write,
                    UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
                }))
                {
                    f.Write(System.Text.Encoding.UTF8.GetBytes(credentials.Password));
                }
            }
            _runner.RunChecked(LibIscsiCommands.WriteZeroes(initiator, portal, credentials?.User, secretFile, target, lun, volume.Capacity),
                cancellation: cancellation);
        }
        finally
        {
            if (secretDir is not null)
            {
                Directory.Delete(secretDir, recursive: true);
            }
        }
        progress.Report(volume.Capacity);
    }

    /// <summary>
    /// The LUN's bytes as a stream served by libiscsi (no descriptor exists: the LUN is reached
    /// from user space). The first open of a LUN logs in and reads its capacity, so an
    /// unreachable target or a non-disk LUN fails the open; later opens share its sessions.
    /// </summary>
    public VolumeData OpenVolume(PoolDefinition pool, VolumeDefinition volume, VolumeAccessMode mode)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(volume);
        var (portal, target, initiator, credentials) = Connection(pool);
        int lun = LunOf(volume);
        if (volume.Capacity == 0)
        {
            throw StorageErrors.ArgumentUnsupported($"volume '{volume.Name}' is not a disk LUN; it holds no data");
        }
        var address = new IscsiLunAddress(portal, target, lun, initiator, credentials);
        IscsiLunSessions sessions;
        try
        {
            sessions = _luns.Acquire(address, IoTimeout);
        }
        catch (IOException e)
        {
            throw new StorageException(ErrorCode.OperationFailed, e.Message, e.HResult);
        }
        var stream = new IscsiLunStream(sessions, mode == VolumeAccessMode.Write, () => _luns.Release(sessions), _log);
        return VolumeData.FromStream(stream);
    }

    private IReadOnlyList<IscsiLun> ListLuns(PoolDefinition pool, CancellationToken cancellation)
    {
        var (portal, target, initiator, credentials) = Connection(pool);
        var result = _runner.Run(LibIscsiCommands.List(initiator, portal, credentials?.User), cancellation: cancellation,
            environment: credentials?.Environment);
        var output = result.Stdout + "\n" + result.Stderr;
        IReadOnlyList<IscsiLun> luns;
        try
        {
            luns = IscsiLsOutput.LunsOf(output, target, portal);
        }
        catch (StorageException e) when (credentials is not null && IscsiCredentials.IsAuthenticationFailure(output))
        {
            // iscsi-ls may exit 0 after a refused login: its output says so.
            throw credentials.Rejected(pool, target, portal, e.Message);
        }
        return result.Succeeded ? luns : throw Failure(_runner, result, pool, target, portal, credentials);
    }

    // A libiscsi tool's failure; EKEYREJECTED when the target refused the CHAP account.
    private static StorageException Failure(ICommandRunner runner, CommandResult result, PoolDefinition pool, string target, string portal,
        IscsiCredentials? credentials)
    {
        var failure = runner.Failure(result);
        return credentials is not null && IscsiCredentials.IsAuthenticationFailure(result.Stdout + "\n" + result.Stderr)
            ? credentials.Rejected(pool, target, portal, failure.Message)
            : failure;
    }

    private (string Portal, string Target, string Initiator, IscsiCredentials? Credentials) Connection(PoolDefinition pool)
    {
        var initiator = pool.Source.InitiatorIqn ?? throw StorageErrors.ConfigUnsupported("missing initiator IQN");
        return (IscsiPortal.Of(pool), IscsiPortal.Target(pool), initiator, IscsiCredentials.For(pool, _secrets));
    }

    private static int LunOf(VolumeDefinition volume)
    {
        var name = volume.Name;
        int colon = name.LastIndexOf(':');
        return name.StartsWith("unit:", StringComparison.Ordinal) &&
               int.TryParse(name.AsSpan(colon + 1), System.Globalization.NumberStyles.None,
                   System.Globalization.CultureInfo.InvariantCulture, out var lun)
            ? lun
            : throw StorageErrors.InvalidArg($"volume '{name}' is not an iSCSI LUN (unit:0:0:N)");
    }
}
