using Serilog;
using StorageFs.Core.Backend;
using StorageFs.Core.Model;
using StorageFs.Backends.HostTools;
using StorageFs.Backends.Mounted;

namespace StorageFs.Backends.NetFs;

/// <summary>
/// The <c>netfs</c> pool: a network export (NFS <c>host:dir</c>, GlusterFS <c>host:volume</c>,
/// CIFS <c>//host/share</c>) mounted on the target, whose files are the volumes (libvirt's
/// <c>virStorageBackendNetFileSystem</c>, src/storage/storage_backend_fs.c). The mount command
/// is libvirt's (<see cref="MountCommands"/>); mount(8) hands glusterfs to mount.glusterfs (a
/// FUSE client), nfs and cifs to the kernel. Volumes, start, stop and refresh are
/// <see cref="MountedFilePoolBackend"/>'s; a refresh checks the export is still mounted (libvirt
/// keeps showing a pool whose NFS mount went away).
/// </summary>
public sealed class NetFsPoolBackend : MountedFilePoolBackend
{
    /// <summary>A netfs backend running mount and umount through <paramref name="runner"/>.</summary>
    public NetFsPoolBackend(ILogger? logger = null, ICommandRunner? runner = null, string qemuImg = "qemu-img")
        : base(NetFsPoolCapabilities.Value, logger, runner, qemuImg)
    {
    }

    /// <inheritdoc/>
    public override BackendAvailability Availability() => NetFsSupport.ForType();

    /// <inheritdoc/>
    public override BackendAvailability Availability(PoolDefinition pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        return NetFsSupport.For(pool.Source.Format);
    }

    /// <summary>One key per address the server's name resolves to (this host's own addresses
    /// all as one), with the exported directory: <c>localhost:/e</c>, <c>127.0.0.1:/e/</c> and
    /// <c>HOSTNAME:/e</c> are one source.</summary>
    public override IReadOnlyList<string> SourceKeys(PoolDefinition pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        if (pool.Source.Hosts.Count != 1 || pool.Source.Dir is null)
        {
            return [];
        }
        string dir = SourceServers.Dir(pool.Source.Dir);
        return [.. SourceServers.Keys(pool.Source.Hosts[0].Name).Select(h => $"netfs {h} {dir}")];
    }
}
