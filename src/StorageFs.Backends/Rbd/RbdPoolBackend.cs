using System.Collections.Concurrent;
using System.Globalization;
using Serilog;
using StorageFs.Core;
using StorageFs.Core.Backend;
using StorageFs.Core.Model;
using StorageFs.Core.Secrets;
using StorageFs.Backends.HostTools;
using StorageFs.Interop;

namespace StorageFs.Backends.Rbd;

/// <summary>
/// The <c>rbd</c> pool: the images of one Ceph pool, reached through librados and librbd in
/// process (libvirt's src/storage/storage_backend_rbd.c, whose connection, naming and sizes it
/// follows). Start connects and opens the pool's I/O context (so a missing Ceph pool or a refused
/// key fails the start); stop disconnects once no image is open. Every image is a network volume
/// whose key and path are <c>POOL/IMAGE</c>; its allocation is the sum of its allocated extents
/// (rbd_diff_iterate2, answered by the object map where fast-diff is on), or its capacity when
/// the pool says <c>&lt;refresh&gt;&lt;volume allocation='capacity'/&gt;</c>. New images are
/// format 2 with the cluster's default features (libvirt sets <c>rbd_default_format</c> 2 and
/// calls rbd_create). A clone in the same Ceph pool is a copy-on-write child of a new protected
/// snapshot <c>libvirt-N</c> of the source (as libvirt clones); from another rbd pool, a full
/// copy. Thread-safe; the connections of running pools are its only state.
/// </summary>
public sealed class RbdPoolBackend : IPoolBackend
{
    private readonly ILogger _log;
    private readonly ISecretStore _secrets;
    private const string CloneSnapPrefix = "libvirt-";

    private readonly ConcurrentDictionary<Guid, RbdCluster> _running = new();

    // The parent (POOL/IMAGE@SNAP) of each clone, as the last refresh of the image found it.
    private readonly ConcurrentDictionary<(Guid Pool, string Image), string> _parents = new();

    /// <summary>An rbd backend taking cephx keys from <paramref name="secrets"/> (the
    /// daemon's secret store; an empty one in memory when null).</summary>
    public RbdPoolBackend(ILogger? logger = null, ISecretStore? secrets = null)
    {
        _log = (logger ?? Serilog.Core.Logger.None).ForContext<RbdPoolBackend>();
        _secrets = secrets ?? new SecretDriver();
    }

    /// <inheritdoc/>
    public PoolBackendCapabilities Capabilities => RbdPoolCapabilities.Value;

    /// <inheritdoc/>
    public BackendAvailability Availability() => HostSupport.Check(Capabilities);

    /// <inheritdoc/>
    public void Start(PoolDefinition pool, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(pool);
        var cluster = RbdCluster.Connect(pool, _secrets);
        if (_running.TryRemove(pool.Uuid, out var old))
        {
            old.Release();
        }
        _running[pool.Uuid] = cluster;
        _log.Information("Pool {Pool}: connected to {Monitors}, Ceph pool {CephPool}", pool.Name, cluster.Monitors, cluster.PoolName);
    }

    /// <inheritdoc/>
    public void Stop(PoolDefinition pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        if (_running.TryRemove(pool.Uuid, out var cluster))
        {
            cluster.Release();
        }
    }

    /// <inheritdoc/>
    public PoolRefreshResult Refresh(PoolDefinition pool, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(pool);
        return Use(pool, cluster =>
        {
            var sizes = cluster.Sizes();
            var volumes = new List<VolumeDefinition>();
            var problems = new List<string>();
            foreach (var name in cluster.ListImages())
            {
                cancellation.ThrowIfCancellationRequested();
                var vol = new VolumeDefinition { Name = name };
                try
                {
                    Describe(pool, cluster, vol);
                    volumes.Add(vol);
                }
                catch (StorageException e) when (e.OsErrno == (int)Errno.ENOENT)
                {
                    // Removed by another client between the listing and the open.
                }
                catch (StorageException e)
                {
                    problems.Add(e.Message);
                }
            }
            return new PoolRefreshResult(sizes, volumes, null, problems);
        });
    }

    /// <inheritdoc/>
    public void RefreshVolume(PoolDefinition pool, VolumeDefinition volume)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(volume);
        Use(pool, cluster => Describe(pool, cluster, volume));
    }

    /// <inheritdoc/>
    public void CreateVolume(PoolDefinition pool, VolumeDefinition volume)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(volume);
        if (volume.Target.Encryption is not null)
        {
            throw StorageErrors.ConfigUnsupported("storage pool does not support encrypted volumes");
        }
        Name(pool, volume);
    }

    /// <inheritdoc/>
    public void BuildVolume(PoolDefinition pool, VolumeDefinition volume, VolumeCreateFlags flags,
        IOperationProgress progress, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(volume);
        Use(pool, cluster =>
        {
            int order = 0;
            int rc = LibRbd.rbd_create(cluster.IoCtx, volume.Name, volume.Capacity, ref order);
            if (rc == -17)
            {
                throw StorageErrors.VolumeExists($"'{volume.Name}'");
            }
            RbdErrors.Check(rc, $"failed to create volume '{cluster.PoolName}/{volume.Name}'");
            Describe(pool, cluster, volume);
        });
    }

    /// <inheritdoc/>
    public void CloneVolume(PoolDefinition pool, VolumeDefinition volume, PoolDefinition sourcePool,
        VolumeDefinition source, VolumeCreateFlags flags, IOperationProgress progress, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(volume);
        ArgumentNullException.ThrowIfNull(sourcePool);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(progress);
        Use(pool, cluster =>
        {
            if (SamePool(pool, sourcePool))
            {
                CowClone(cluster, source.Name, volume.Name);
            }
            else
            {
                Use(sourcePool, from =>
                {
                    using var image = RbdImage.Open(from, source.Name, readOnly: true);
                    progress.SetTotal(image.Size);
                    RbdErrors.Check(LibRbd.rbd_copy(image.Handle, cluster.IoCtx, volume.Name),
                        $"failed to copy '{from.PoolName}/{source.Name}' to '{cluster.PoolName}/{volume.Name}'");
                    progress.Report(image.Size);
                });
            }
            using (var clone = RbdImage.Open(cluster, volume.Name))
            {
                if (volume.Capacity > clone.Size)
                {
                    RbdErrors.Check(LibRbd.rbd_resize(clone.Handle, volume.Capacity), $"failed to resize the new volume '{volume.Name}'");
                }
            }
            Describe(pool, cluster, volume);
        });
    }

    /// <inheritdoc/>
    public void DeleteVolume(PoolDefinition pool, VolumeDefinition volume)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(volume);
        Use(pool, cluster =>
        {
            int rc = LibRbd.rbd_remove(cluster.IoCtx, volume.Name);
            if (rc == -39)
            {
                DropCloneSnapshots(cluster, volume.Name);
                rc = LibRbd.rbd_remove(cluster.IoCtx, volume.Name);
            }
            if (rc == -16)
            {
                throw new StorageException(ErrorCode.OperationInvalid,
                    $"failed to remove volume '{cluster.PoolName}/{volume.Name}': the image is open by another client", 16);
            }
            RbdErrors.Check(rc, $"failed to remove volume '{cluster.PoolName}/{volume.Name}'");
            _parents.TryRemove((pool.Uuid, volume.Name), out _);
        });
    }

    /// <summary>
    /// Before an image with snapshots is removed: refused while a snapshot has clones (naming
    /// them) or when a snapshot is not one that a clone or <c>snapshot</c> made here
    /// (<c>libvirt-N</c>, as libvirt names them); else those snapshots, left without clones, are
    /// unprotected and removed.
    /// </summary>
    private void DropCloneSnapshots(RbdCluster cluster, string name)
    {
        using var image = RbdImage.Open(cluster, name);
        var snaps = image.Snapshots();
        var clones = new List<string>();
        foreach (var snap in snaps)
        {
            clones.AddRange(image.Children(snap));
        }
        if (clones.Count > 0)
        {
            throw new StorageException(ErrorCode.OperationInvalid,
                $"cannot delete volume '{cluster.PoolName}/{name}': it is the parent of copy-on-write clones ({string.Join(", ", clones)}); delete or flatten them first", 16);
        }
        var foreign = snaps.Where(s => !s.StartsWith(CloneSnapPrefix, StringComparison.Ordinal)).ToList();
        if (foreign.Count > 0)
        {
            throw new StorageException(ErrorCode.OperationInvalid,
                $"cannot delete volume '{cluster.PoolName}/{name}': it has snapshots ({string.Join(", ", foreign)})", 39);
        }
        foreach (var snap in snaps)
        {
            int rc = LibRbd.rbd_snap_unprotect(image.Handle, snap);
            if (rc != -22)
            {
                RbdErrors.Check(rc, $"failed to unprotect snapshot '{name}@{snap}'");
            }
            RbdErrors.Check(LibRbd.rbd_snap_remove(image.Handle, snap), $"failed to remove snapshot '{name}@{snap}'");
            _log.Information("Removed RBD snapshot {Image}@{Snapshot}, left without clones", name, snap);
        }
    }

    /// <inheritdoc/>
    public string? CloneParent(PoolDefinition pool, VolumeDefinition volume)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(volume);
        return _parents.TryGetValue((pool.Uuid, volume.Name), out var parent) ? parent : null;
    }

    /// <inheritdoc/>
    public void ResizeVolume(PoolDefinition pool, VolumeDefinition volume, ulong capacity, VolumeResizeFlags flags)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(volume);
        Use(pool, cluster =>
        {
            using var image = RbdImage.Open(cluster, volume.Name);
            RbdErrors.Check(LibRbd.rbd_resize(image.Handle, capacity), $"failed to resize the RBD image '{volume.Name}'");
        });
    }

    /// <inheritdoc/>
    public void WipeVolume(PoolDefinition pool, VolumeDefinition volume, WipeAlgorithm algorithm,
        IOperationProgress progress, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(volume);
        ArgumentNullException.ThrowIfNull(progress);
        if (algorithm is not (WipeAlgorithm.Zero or WipeAlgorithm.Trim))
        {
            throw StorageErrors.ArgumentUnsupported($"unsupported algorithm {(int)algorithm}");
        }
        Use(pool, cluster =>
        {
            using var image = RbdImage.Open(cluster, volume.Name);
            ulong size = image.Size;
            progress.SetTotal(size);
            const int Chunk = 4 << 20;
            byte[] zeros = algorithm == WipeAlgorithm.Zero ? new byte[Chunk] : [];
            for (ulong at = 0; at < size;)
            {
                cancellation.ThrowIfCancellationRequested();
                ulong n = Math.Min(size - at, Chunk);
                if (algorithm == WipeAlgorithm.Zero)
                {
                    RbdErrors.Check(LibRbd.rbd_write2(image.Handle, at, (nuint)n, ref zeros[0], 0),
                        $"failed to wipe RBD image '{volume.Name}' at offset {at}");
                }
                else
                {
                    RbdErrors.Check(LibRbd.rbd_discard(image.Handle, at, n), $"failed to discard RBD image '{volume.Name}' at offset {at}");
                }
                at += n;
                progress.Report(at);
            }
            RbdErrors.Check(LibRbd.rbd_flush(image.Handle), $"failed to flush RBD image '{volume.Name}'");
        });
    }

    /// <summary>
    /// The image's bytes for the tree: an open image on the running pool's connection, served by
    /// librbd's asynchronous calls (<see cref="IVolumeIo"/>). A read open uses a read-only image
    /// handle, which takes no exclusive lock. The image is opened in the background
    /// (rbd_aio_open), so an open never waits on the cluster; requests wait for it.
    /// </summary>
    public VolumeData OpenVolume(PoolDefinition pool, VolumeDefinition volume, VolumeAccessMode mode)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(volume);
        if (!_running.TryGetValue(pool.Uuid, out var cluster) || !cluster.TryAddRef())
        {
            throw StorageErrors.OperationInvalid($"storage pool '{pool.Name}' is not active");
        }
        try
        {
            bool write = mode == VolumeAccessMode.Write;
            return VolumeData.FromIo(new RbdImageIo(cluster, volume.Name, (long)volume.Capacity, write, _log));
        }
        catch
        {
            cluster.Release();
            throw;
        }
    }

    /// <summary>
    /// Two rbd pools are one source when they name the same Ceph pool through a shared monitor:
    /// one key per monitor (<c>host:port</c>, the default port filled in, the name lowercased).
    /// libvirt itself never refuses a duplicate rbd source.
    /// </summary>
    public IReadOnlyList<string> SourceKeys(PoolDefinition pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        if (pool.Source.Name is not { } name)
        {
            return [];
        }
        return [.. pool.Source.Hosts.Select(h =>
            $"rbd:{h.Name.ToLowerInvariant()}:{(h.Port != 0 ? h.Port : RbdCluster.DefaultPort).ToString(CultureInfo.InvariantCulture)}/{name}")];
    }

    private static bool SamePool(PoolDefinition a, PoolDefinition b) =>
        a.Type == b.Type && a.Source.Name == b.Source.Name && RbdCluster.MonHost(a) == RbdCluster.MonHost(b);

    // A copy-on-write child of a new protected snapshot of the source (libvirt's
    // virStorageBackendRBDCloneImage), with the source's features.
    private void CowClone(RbdCluster cluster, string source, string name)
    {
        using var image = RbdImage.Open(cluster, source);
        RbdErrors.Check(LibRbd.rbd_get_features(image.Handle, out var features), $"failed to get the features of RBD image '{source}'");
        string snap = $"{CloneSnapPrefix}{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)}";
        RbdErrors.Check(LibRbd.rbd_snap_create(image.Handle, snap), $"failed to create snapshot '{source}@{snap}'");
        int rc = LibRbd.rbd_snap_protect(image.Handle, snap);
        if (rc != -16)
        {
            RbdErrors.Check(rc, $"failed to protect snapshot '{source}@{snap}'");
        }
        int order = 0;
        RbdErrors.Check(LibRbd.rbd_clone(cluster.IoCtx, source, snap, cluster.IoCtx, name, features, ref order),
            $"failed to clone RBD volume '{source}' to '{name}'");
        _log.Information("Cloned RBD image {Source}@{Snapshot} to {Clone}", source, snap, name);
    }

    private static void Name(PoolDefinition pool, VolumeDefinition volume)
    {
        volume.Type = VolumeType.Network;
        volume.Key = $"{pool.Source.Name}/{volume.Name}";
        volume.Target.Path = volume.Key;
        volume.Target.Format ??= "raw";
    }

    private void Describe(PoolDefinition pool, RbdCluster cluster, VolumeDefinition volume)
    {
        using var image = RbdImage.Open(cluster, volume.Name, readOnly: true);
        Name(pool, volume);
        if (image.Parent() is { } parent)
        {
            _parents[(pool.Uuid, volume.Name)] = parent;
        }
        else
        {
            _parents.TryRemove((pool.Uuid, volume.Name), out _);
        }
        volume.Capacity = image.Size;
        volume.Allocation = pool.RefreshVolumeAllocation == PoolRefreshAllocation.Capacity ? volume.Capacity : image.Allocation();
        volume.HasAllocation = true;
    }

    // The running pool's connection, else one made for this call (a refresh of a pool not
    // started by this backend, a clone source in a pool not running).
    private T Use<T>(PoolDefinition pool, Func<RbdCluster, T> body)
    {
        if (_running.TryGetValue(pool.Uuid, out var running) && running.TryAddRef())
        {
            try
            {
                return body(running);
            }
            finally
            {
                running.Release();
            }
        }
        var cluster = RbdCluster.Connect(pool, _secrets);
        try
        {
            return body(cluster);
        }
        finally
        {
            cluster.Release();
        }
    }

    private void Use(PoolDefinition pool, Action<RbdCluster> body) => Use(pool, c =>
    {
        body(c);
        return 0;
    });
}
