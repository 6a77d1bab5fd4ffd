using System.Globalization;
using System.Security.Cryptography;
using Serilog;
using StorageFs.Core;
using StorageFs.Core.Backend;
using StorageFs.Core.Model;
using StorageFs.Core.Secrets;
using StorageFs.Backends.Devices;
using StorageFs.Backends.HostTools;

namespace StorageFs.Backends.Iscsi;

/// <summary>
/// The <c>iscsi</c> pool: a target logged in with the kernel initiator (open-iscsi's iscsiadm),
/// its LUs found in sysfs under the session's SCSI host (libvirt's <c>virStorageBackendISCSI</c>,
/// src/storage/storage_backend_iscsi.c). Start creates the node record, sets CHAP, makes an
/// iface for the pool's initiator IQN when it has one, and logs in — unless a session is already
/// there; stop logs out; refresh rescans the session and lists the LUs (see
/// <see cref="ScsiLunScanner"/>). Like libvirt, iscsiadm takes the CHAP password as an argument.
/// Stateless and thread-safe.
/// </summary>
public sealed class IscsiPoolBackend : IPoolBackend
{
    private readonly ICommandRunner _runner;
    private readonly ISecretStore _secrets;
    private readonly SysfsRoot _root;
    private readonly ILogger _log;

    /// <summary>An iscsi backend.</summary>
    public IscsiPoolBackend(ILogger? logger = null, ICommandRunner? runner = null, ISecretStore? secrets = null, SysfsRoot? root = null)
    {
        _log = (logger ?? Serilog.Core.Logger.None).ForContext<IscsiPoolBackend>();
        _runner = runner ?? new ProcessCommandRunner(logger);
        _secrets = secrets ?? new SecretDriver();
        _root = root ?? SysfsRoot.Real;
    }

    /// <inheritdoc/>
    public PoolBackendCapabilities Capabilities => IscsiPoolCapabilities.Value;

    /// <inheritdoc/>
    public BackendAvailability Availability() => HostSupport.Check(Capabilities);

    /// <inheritdoc/>
    public bool CheckActive(PoolDefinition pool) => Session(pool) is not null;

    /// <inheritdoc/>
    public void Start(PoolDefinition pool, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(pool);
        var portal = IscsiAdmCommands.Portal(pool);
        var target = IscsiPortal.Target(pool);
        if (Session(pool) is not null)
        {
            return;
        }
        // The secret first: an undefined one fails the start before iscsiadm records anything.
        var credentials = IscsiCredentials.For(pool, _secrets);
        _runner.RunChecked(IscsiAdmCommands.NodeNew(portal, target), cancellation: cancellation);
        if (credentials is { } chap)
        {
            foreach (var (name, value) in new[]
                     {
                         ("node.session.auth.authmethod", "CHAP"),
                         ("node.session.auth.username", chap.User),
                         ("node.session.auth.password", chap.Password),
                     })
            {
                // virStorageBackendISCSISetAuth: a setting that cannot be made fails the start
                // (never a login without CHAP). The error's command line hides the password.
                _runner.RunChecked(IscsiAdmCommands.NodeUpdate(portal, target, name, value), cancellation: cancellation);
            }
        }
        var iface = pool.Source.InitiatorIqn is { } iqn ? Iface(iqn, portal, cancellation) : null;
        _runner.RunChecked(IscsiAdmCommands.Connection(portal, target, login: true, iface), cancellation: cancellation);
    }

    /// <inheritdoc/>
    public void Stop(PoolDefinition pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        var iface = pool.Source.InitiatorIqn is { } iqn
            ? IscsiAdmCommands.IfaceOf(_runner.Run(IscsiAdmCommands.Ifaces()).Stdout, iqn)
            : null;
        _runner.RunChecked(IscsiAdmCommands.Connection(IscsiAdmCommands.Portal(pool), IscsiPortal.Target(pool), login: false, iface));
    }

    /// <inheritdoc/>
    public PoolRefreshResult Refresh(PoolDefinition pool, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(pool);
        var session = Session(pool) ?? throw StorageErrors.Internal("cannot find iscsiadm session");
        _runner.RunChecked(IscsiAdmCommands.Rescan(session), cancellation: cancellation);
        uint host = HostOf(session);
        var problems = new List<string>();
        var volumes = ScsiLunScanner.Volumes(_root, pool, host, problems);
        ulong total = volumes.Aggregate(0UL, (s, v) => s + v.Capacity);
        return new PoolRefreshResult(new PoolSizes(total, total, 0), volumes, null, problems);
    }

    /// <inheritdoc/>
    public void WipeVolume(PoolDefinition pool, VolumeDefinition volume, WipeAlgorithm algorithm,
        IOperationProgress progress, CancellationToken cancellation) =>
        BlockVolumes.Wipe(Node(volume), algorithm, progress, cancellation);

    /// <inheritdoc/>
    public VolumeData OpenVolume(PoolDefinition pool, VolumeDefinition volume, VolumeAccessMode mode) =>
        BlockVolumes.Open(Node(volume), mode);

    // virStorageBackendISCSIGetHostNumber: the session's device directory holds "targetH:B:T".
    private uint HostOf(string session)
    {
        var dir = _root.SysPath("class", "iscsi_session", "session" + session, "device");
        if (Directory.Exists(dir))
        {
            foreach (var entry in Directory.EnumerateFileSystemEntries(dir, "target*").Select(Path.GetFileName))
            {
                var h = entry!["target".Length..].Split(':')[0];
                if (uint.TryParse(h, NumberStyles.None, CultureInfo.InvariantCulture, out var host))
                {
                    return host;
                }
            }
        }
        throw StorageErrors.Internal($"Failed to get host number for iSCSI session with path '{dir}'");
    }

    private string? Session(PoolDefinition pool)
    {
        // iscsiadm exits 21 with "No active sessions": not an error here.
        var result = _runner.Run(IscsiAdmCommands.Sessions());
        return IscsiAdmCommands.SessionOf(result.Stdout, IscsiPortal.Target(pool));
    }

    // virStorageBackendIQNFound / virStorageBackendCreateIfaceIQN: reuse the iface carrying the
    // IQN, else create libvirt-iface-<8 hex digits> and run a sendtargets discovery through the portal
    // ("iscsiadm doesn't let you send commands to the Interface IQN" otherwise).
    private string Iface(string initiator, string portal, CancellationToken cancellation)
    {
        if (IscsiAdmCommands.IfaceOf(_runner.RunChecked(IscsiAdmCommands.Ifaces(), cancellation: cancellation).Stdout, initiator) is { } found)
        {
            return found;
        }
        var name = "libvirt-iface-" + (RandomNumberGenerator.GetInt32(1 << 30)).ToString("x8", CultureInfo.InvariantCulture);
        _runner.Run(IscsiAdmCommands.IfaceNew(name), cancellation: cancellation);
        _runner.Run(IscsiAdmCommands.IfaceSetInitiator(name, initiator), cancellation: cancellation);
        var made = IscsiAdmCommands.IfaceOf(_runner.RunChecked(IscsiAdmCommands.Ifaces(), cancellation: cancellation).Stdout, initiator)
            ?? throw StorageErrors.Internal($"Failed to update iscsi interface with IQN '{initiator}'");
        _runner.RunChecked(IscsiAdmCommands.Discover(portal), cancellation: cancellation);
        return made;
    }

    private static string Node(VolumeDefinition volume)
    {
        ArgumentNullException.ThrowIfNull(volume);
        return volume.Target.Path ?? throw StorageErrors.Internal($"volume '{volume.Name}' has no path");
    }
}
