using StorageFs.Core.Backend;
using StorageFs.Core.Model;
using StorageFs.Core.Persistence;

namespace StorageFs.Core.Driver;

/// <summary>
/// The toolbox's <c>ssh://HOST/POOL/NAME</c> places (docs/CLUSTER.md "Host-to-host copy"):
/// <c>clone</c> and <c>archive</c> to a new volume of another host, <c>restore</c> from a volume
/// of another host. The same checks as the local commands, then a job; the bytes travel through
/// the <see cref="IRemoteCopy"/>.
/// </summary>
public sealed partial class StorageDriver
{
    private IRemoteCopy Remote => _options.Remote
        ?? throw StorageErrors.NoSupport("this daemon runs without host-to-host copy (ssh:// places)");

    /// <summary><c>clone ssh://HOST/POOL/NAME</c>: the bytes of a raw volume into a new raw
    /// volume of another host. Writers are kept off the volume while it is read.</summary>
    public RemoteTransfer StartCloneToRemote(string pool, string volume, RemotePlace to, JobRequester? requester = null)
    {
        var remote = Remote;
        var source = LeaseSource(_pools.Get(pool), volume, "cloning");
        try
        {
            if (!(source.Vol.Type == VolumeType.Block || (source.Vol.Type == VolumeType.File && (source.Vol.Target.Format ?? "raw") == "raw")))
            {
                throw StorageErrors.NoSupport($"a clone to another host copies raw volumes; '{volume}' is {source.Vol.Target.Format}: " +
                    "clone it here with format=raw first, or archive it to the other host");
            }
            return StartSend(JobKind.VolumeClone, pool, volume, to, null, source, remote, requester, onDone: null);
        }
        catch
        {
            source.Release();
            throw;
        }
    }

    /// <summary><c>archive ssh://HOST/POOL/NAME [compress=…]</c>: the volume's stored bytes,
    /// compressed, as a new volume of another host.</summary>
    public RemoteTransfer StartArchiveToRemote(string pool, string volume, RemotePlace to, ArchiveCompression compression, JobRequester? requester = null)
    {
        var remote = Remote;
        if (!Toolbox.Compressors.Contains(compression))
        {
            throw StorageErrors.NoSupport($"'{compression.ToString().ToLowerInvariant()}' is not installed on this host");
        }
        var entry = _pools.Get(pool);
        var source = LeaseSource(entry, volume, "archiving");
        try
        {
            return StartSend(JobKind.VolumeArchive, pool, volume, to, compression, source, remote, requester,
                onDone: () => _pools.Raise(StorageEventKind.VolumeArchived, entry, volume));
        }
        catch
        {
            source.Release();
            throw;
        }
    }

    private RemoteTransfer StartSend(JobKind kind, string pool, string volume, RemotePlace to, ArchiveCompression? compression,
        SourceLease source, IRemoteCopy remote, JobRequester? requester, Action? onDone)
    {
        var transfer = new RemoteTransfer();
        transfer.Job = Jobs.Start(kind, DefinitionKind.Pool, pool, volume, requester,
            (job, token) =>
            {
                using var fd = OpenLeased(source);
                long length = source.Vol.Type == VolumeType.File ? RandomAccess.GetLength(fd) : (long)source.Vol.Capacity;
                transfer.Stats = remote.Send(fd, length, to, compression, job, token);
                _log.Information("Volume {Volume} of pool {Pool} sent to {To}: {Data} bytes, {Wire} on the wire",
                    volume, pool, to.ToString(), transfer.Stats.DataBytes, transfer.Stats.WireBytes);
            },
            ok =>
            {
                source.Release();
                if (ok)
                {
                    onDone?.Invoke();
                }
            });
        return transfer;
    }

    /// <summary><c>restore ssh://HOST/POOL/NAME</c>: fills this raw (or block) volume in place
    /// with the bytes of a volume of another host, expanded when it is a zstd, gzip or xz
    /// archive. Refused (EBUSY) while the volume is open for writing.</summary>
    public RemoteTransfer StartRestoreFromRemote(string pool, string volume, RemotePlace from, JobRequester? requester = null)
    {
        var remote = Remote;
        var (entry, def, vol, backend) = RestoreTarget(pool, volume);
        var (_, _, marked, _) = BeginVolumeChange(entry, volume, PoolOperations.UploadVolume, "storage pool doesn't support volume upload");
        var transfer = new RemoteTransfer();
        transfer.Job = Jobs.Start(JobKind.VolumeRestore, DefinitionKind.Pool, pool, volume, requester,
            (job, token) =>
            {
                _pools.RecheckTarget(def);
                using var data = backend.OpenVolume(def, DefinitionCopy.Of(vol), VolumeAccessMode.Write);
                using var target = data.HasDescriptor ? data.TakeDescriptor()
                    : throw StorageErrors.NoSupport($"volume '{volume}' is served as a stream: restore needs its descriptor");
                transfer.Stats = remote.Receive(from, target, (long)vol.Capacity, job, token);
                _log.Information("Volume {Volume} of pool {Pool} restored from {From}: {Data} bytes, {Wire} on the wire",
                    volume, pool, from.ToString(), transfer.Stats.DataBytes, transfer.Stats.WireBytes);
            },
            ok =>
            {
                VolumeDefinition? refreshed = null;
                try
                {
                    refreshed = RefreshedCopy(backend, def, vol);
                }
                catch (StorageException e)
                {
                    _log.Error("Cannot re-read volume {Volume} of pool {Pool} after a restore: {Error}", volume, pool, e.Message);
                }
                EndVolumeChange(entry, marked, refreshed);
                if (ok)
                {
                    _pools.Raise(StorageEventKind.VolumeRestored, entry, volume);
                }
            });
        return transfer;
    }
}

/// <summary>A host-to-host copy's job, and once it has succeeded what it moved.</summary>
public sealed class RemoteTransfer
{
    public StorageJob Job { get; internal set; } = null!;

    public RemoteCopyStats? Stats { get; internal set; }
}
