using StorageFs.Core.Backend;
using StorageFs.Core.Model;
using StorageFs.Core.Persistence;
using StorageFs.Core.Xml;
using StorageFs.Interop;

namespace StorageFs.Core.Driver;

/// <summary>Volume wipe, resize, data streams, info, XML and lookups (storageVolWipePattern,
/// storageVolResize, storageVolUpload/Download, storageVolGetInfoFlags, storageVolGetXMLDesc,
/// storageVolLookupByKey/Path in libvirt's storage_driver.c).</summary>
public sealed partial class StorageDriver
{
    /// <summary>Wipes a volume and waits for the wipe.</summary>
    public void WipeVolume(string pool, string volume, WipeAlgorithm algorithm = WipeAlgorithm.Zero, JobRequester? requester = null) =>
        StartWipeVolume(pool, volume, algorithm, requester).Wait();

    /// <summary>Starts wiping a volume as a job; the volume is in use meanwhile (no resize,
    /// delete or upload), while info and listing stay available.</summary>
    public StorageJob StartWipeVolume(string pool, string volume, WipeAlgorithm algorithm = WipeAlgorithm.Zero,
        JobRequester? requester = null)
    {
        if (!Enum.IsDefined(algorithm))
        {
            throw StorageErrors.InvalidArg($"wiping algorithm {(int)algorithm} not supported");
        }
        var entry = _pools.Get(pool);
        var (def, vol, child, backend) = BeginVolumeChange(entry, volume, PoolOperations.WipeVolume,
            "storage pool doesn't support volume wiping");
        if (!backend.Capabilities.WipeAlgorithms.Contains(algorithm))
        {
            EndVolumeChange(entry, child, null);
            throw StorageErrors.ArgumentUnsupported($"'{algorithm.ToString().ToLowerInvariant()}' algorithm not supported");
        }
        VolumeDefinition? refreshed = null;
        return Jobs.Start(JobKind.VolumeWipe, DefinitionKind.Pool, pool, volume, requester,
            (job, token) =>
            {
                _pools.RecheckTarget(def);
                backend.WipeVolume(def, DefinitionCopy.Of(vol), algorithm, job, token);
                refreshed = RefreshedCopy(backend, def, vol);
            },
            ok =>
            {
                EndVolumeChange(entry, child, ok ? refreshed : null);
                if (ok)
                {
                    _pools.Raise(StorageEventKind.VolumeWiped, entry, volume);
                }
            });
    }

    /// <summary>
    /// Resizes a volume (virsh vol-resize): <paramref name="capacity"/> is the new size, or the
    /// change with <see cref="VolumeResizeFlags.Delta"/>; going down needs
    /// <see cref="VolumeResizeFlags.Shrink"/>, and never below the allocation (libvirt's rules).
    /// </summary>
    public VolumeInfo ResizeVolume(string pool, string volume, ulong capacity, VolumeResizeFlags flags = VolumeResizeFlags.None)
    {
        var unsupported = flags & ~(VolumeResizeFlags.Allocate | VolumeResizeFlags.Delta | VolumeResizeFlags.Shrink);
        if (unsupported != 0)
        {
            throw StorageErrors.InvalidArg($"unsupported flags (0x{(int)unsupported:x}) in function storageVolResize");
        }
        var entry = _pools.Get(pool);
        ulong newCapacity;
        lock (entry.Gate)
        {
            var child = _pools.RequireChild(entry, volume);
            PoolLifecycle<PoolDefinition, VolumeDefinition>.RequireIdle(child, volume);
            var current = child.Def;
            if ((flags & VolumeResizeFlags.Delta) != 0)
            {
                newCapacity = (flags & VolumeResizeFlags.Shrink) != 0
                    ? current.Capacity - Math.Min(capacity, current.Capacity)
                    : current.Capacity + capacity;
                if (newCapacity < current.Capacity && (flags & VolumeResizeFlags.Shrink) == 0)
                {
                    throw StorageErrors.InvalidArg("volume capacity overflows");
                }
            }
            else
            {
                newCapacity = capacity;
            }
            if (newCapacity < current.Allocation)
            {
                throw StorageErrors.InvalidArg("can't shrink capacity below existing allocation");
            }
            if (newCapacity < current.Capacity && (flags & VolumeResizeFlags.Shrink) == 0)
            {
                throw StorageErrors.InvalidArg(
                    "Can't shrink capacity below current capacity unless shrink flag explicitly specified");
            }
            ulong delta = (flags & VolumeResizeFlags.Allocate) != 0 ? newCapacity - current.Allocation : 0;
            if (delta > entry.Sizes.Available)
            {
                // libvirt's message and code; the errno is ENOSPC (28), as the tree answers it.
                throw new StorageException(ErrorCode.OperationFailed, "operation failed: Not enough space left in storage pool", osErrno: (int)Errno.ENOSPC);
            }
        }
        var (def, vol, marked, backend) = BeginVolumeChange(entry, volume, PoolOperations.ResizeVolume,
            "storage pool does not support changing of volume capacity");
        VolumeDefinition refreshed;
        try
        {
            _pools.RecheckTarget(def);
            backend.ResizeVolume(def, DefinitionCopy.Of(vol), newCapacity, flags & ~VolumeResizeFlags.Delta);
            refreshed = RefreshedCopy(backend, def, vol);
            if (!backend.Capabilities.Supports(PoolOperations.RefreshVolume))
            {
                refreshed.Capacity = newCapacity;
            }
        }
        catch
        {
            EndVolumeChange(entry, marked, null);
            throw;
        }
        EndVolumeChange(entry, marked, refreshed);
        _pools.Raise(StorageEventKind.VolumeResized, entry, volume);
        return VolumeInfo.From(pool, refreshed, building: false, inUse: 0);
    }

    /// <summary>
    /// Opens a volume's bytes through its backend, once: the <see cref="OpenedVolume"/> holds
    /// the backend's descriptor (or stream) and a lease that counts as a use of the volume.
    /// Opens never exclude each other, whatever their mode: a volume is a file, and two
    /// writers coordinate as on any file, with locks (QEMU's image locking). So a process that
    /// closed the volume can always open it again at once, even before the previous lease
    /// ends (FUSE sends RELEASE after close(2) has returned). What the lease keeps off is the
    /// driver's own changes: wipe, resize and delete refuse while any lease is held, and while
    /// one of those (or a clone reading the volume) runs, an open for writing is refused;
    /// reading stays allowed, as libvirt allows downloads then. The pool cannot stop while a
    /// lease is held. When a write lease ends the volume is re-read and
    /// <see cref="StorageEventKind.VolumeWritten"/> raised.
    /// </summary>
    public OpenedVolume OpenVolume(string pool, string volume, VolumeAccessMode mode) => OpenVolume(pool, volume, mode, 0);

    /// <summary>
    /// <see cref="OpenVolume(string, string, VolumeAccessMode)"/> for process <paramref name="pid"/>
    /// (0: the daemon itself): opening a volume of a cluster-wide pool for writing takes its
    /// cluster lease first, named after this host and that process (docs/CLUSTER.md).
    /// </summary>
    /// <exception cref="StorageException">Busy when another host holds the volume's lease.</exception>
    public OpenedVolume OpenVolume(string pool, string volume, VolumeAccessMode mode, uint pid)
    {
        var entry = _pools.Get(pool);
        PoolDefinition def;
        VolumeDefinition vol;
        ChildEntry<VolumeDefinition> child;
        IPoolBackend backend;
        lock (entry.Gate)
        {
            child = _pools.RequireChild(entry, volume);
            PoolLifecycle<PoolDefinition, VolumeDefinition>.RequireBuilt(child, volume);
            backend = _backends.Get(entry.Def.Type);
            if (!backend.Capabilities.Supports(mode == VolumeAccessMode.Write ? PoolOperations.UploadVolume : PoolOperations.DownloadVolume))
            {
                throw StorageErrors.NoSupport(mode == VolumeAccessMode.Write
                    ? "storage pool doesn't support volume upload"
                    : "storage pool doesn't support volume download");
            }
            if (mode == VolumeAccessMode.Write && child.InUse > child.Opens)
            {
                throw StorageErrors.OperationInvalid($"volume '{volume}' is still in use.");
            }
            child.InUse++;
            child.Opens++;
            if (mode == VolumeAccessMode.Write)
            {
                child.WriteOpens++;
            }
            entry.Touch(volume);
            entry.AsyncJobs++;
            def = entry.Def;
            vol = child.Def;
        }
        VolumeData data;
        IDisposable? lease = null;
        try
        {
            lease = TakeClusterLease(def, volume, mode, pid);
            _pools.RecheckTarget(def);
            data = backend.OpenVolume(def, DefinitionCopy.Of(vol), mode);
        }
        catch
        {
            lease?.Dispose();
            EndVolumeOpen(entry, child, mode, null);
            throw;
        }
        return new OpenedVolume(data, mode, () =>
        {
            lease?.Dispose();
            if (mode == VolumeAccessMode.Read)
            {
                EndVolumeOpen(entry, child, mode, null);
                return;
            }
            VolumeDefinition? refreshed = null;
            try
            {
                refreshed = RefreshedCopy(backend, def, vol);
            }
            catch (StorageException e)
            {
                _log.Error("Cannot re-read volume {Volume} of pool {Pool} after a write: {Error}", volume, pool, e.Message);
            }
            EndVolumeOpen(entry, child, mode, refreshed);
            _pools.Raise(StorageEventKind.VolumeWritten, entry, volume);
        }, capacity => ResizeLeased(entry, child, backend, def, vol.Name, capacity));
    }

    // OpenedVolume.Resize: the lease holder resizes the volume it holds open (no Shrink rule,
    // no allocation floor: the holder decided the size from the bytes it wrote).
    private VolumeInfo ResizeLeased(PoolEntry<PoolDefinition, VolumeDefinition> entry, ChildEntry<VolumeDefinition> child,
        IPoolBackend backend, PoolDefinition def, string volume, ulong capacity)
    {
        VolumeDefinition current;
        lock (entry.Gate)
        {
            if (!backend.Capabilities.Supports(PoolOperations.ResizeVolume))
            {
                throw StorageErrors.NoSupport("storage pool does not support changing of volume capacity");
            }
            if (child.Changing || child.InUse > child.Opens)
            {
                throw StorageErrors.OperationInvalid($"volume '{volume}' is still in use.");
            }
            current = child.Def;
        }
        var flags = capacity < current.Capacity ? VolumeResizeFlags.Shrink : VolumeResizeFlags.None;
        _pools.RecheckTarget(def);
        backend.ResizeVolume(def, DefinitionCopy.Of(current), capacity, flags);
        var refreshed = RefreshedCopy(backend, def, current);
        lock (entry.Gate)
        {
            if (entry.Children.TryGetValue(volume, out var now) && now == child)
            {
                entry.AdjustSizes((long)refreshed.Allocation - (long)child.Def.Allocation);
                child.Def = refreshed;
            }
        }
        _pools.Raise(StorageEventKind.VolumeResized, entry, volume);
        return VolumeInfo.From(entry.Name, refreshed, building: false, inUse: 0);
    }

    // Ends an OpenVolume lease; publishes a refreshed definition when given.
    private void EndVolumeOpen(PoolEntry<PoolDefinition, VolumeDefinition> entry,
        ChildEntry<VolumeDefinition> child, VolumeAccessMode mode, VolumeDefinition? refreshed)
    {
        lock (entry.Gate)
        {
            // One step with the InUse release below: a writer opening in between must not see
            // this lease as a job.
            child.Opens--;
            if (mode == VolumeAccessMode.Write)
            {
                child.WriteOpens--;
            }
            child.InUse--;
            entry.Touch(child.Def.Name);
            entry.AsyncJobs--;
            if (refreshed is not null && entry.Children.TryGetValue(refreshed.Name, out var current) && current == child)
            {
                entry.AdjustSizes((long)refreshed.Allocation - (long)child.Def.Allocation);
                child.Def = refreshed;
            }
        }
        OpenEnded();
    }

    /// <summary>A volume's info, re-read from storage first (libvirt refreshes on info).</summary>
    public VolumeInfo GetVolumeInfo(string pool, string volume)
    {
        var (def, vol, building, inUse) = RefreshVolume(pool, volume);
        return VolumeInfo.From(pool, vol, building, inUse);
    }

    /// <summary>A volume's XML, re-read from storage first.</summary>
    public string GetVolumeXml(string pool, string volume)
    {
        var (def, vol, _, _) = RefreshVolume(pool, volume);
        return VolumeXml.Format(vol, def);
    }

    /// <summary>A volume's path.</summary>
    /// <exception cref="StorageException">OperationInvalid while the volume is still being created (it has no path yet).</exception>
    public string GetVolumePath(string pool, string volume) => VolumeField(pool, volume, v => v.Target.Path);

    /// <summary>A volume's path, or null while it is still being created and has none yet
    /// (a listing sees such a volume; its attributes then come from its definition).</summary>
    public string? FindVolumePath(string pool, string volume)
    {
        var entry = _pools.Get(pool);
        lock (entry.Gate)
        {
            return _pools.RequireChild(entry, volume).Def.Target.Path;
        }
    }

    /// <summary>A volume as the driver last read it, without re-reading storage (attributes
    /// asked for at every stat; <see cref="GetVolumeInfo"/> refreshes first).</summary>
    public VolumeInfo PeekVolume(string pool, string volume)
    {
        var entry = _pools.Get(pool);
        lock (entry.Gate)
        {
            var child = _pools.RequireChild(entry, volume);
            return VolumeInfo.From(pool, child.Def, child.Building, child.InUse);
        }
    }

    /// <summary>A volume's key.</summary>
    public string GetVolumeKey(string pool, string volume) => VolumeField(pool, volume, v => v.Key);

    /// <summary>The volume whose key is <paramref name="key"/>, in any running pool.</summary>
    /// <exception cref="StorageException">NoStorageVol "no storage vol with matching key K".</exception>
    public VolumeInfo LookupVolumeByKey(string key) =>
        FindVolume(v => v.KeyIs(key)) ?? throw StorageErrors.NoVolume($"no storage vol with matching key {key}");

    /// <summary>The volume stored at <paramref name="path"/> (compared after resolving "..",
    /// "//" and symlinks), in any running pool.</summary>
    /// <exception cref="StorageException">NoStorageVol "no storage vol with matching path 'P'".</exception>
    public VolumeInfo LookupVolumeByPath(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var clean = path.StartsWith('/') ? Names.TargetPathPolicy.Resolve(path) : path;
        return FindVolume(v => v.Target.PathIs(path) || v.Target.PathIs(clean))
            ?? throw StorageErrors.NoVolume(clean == path
                ? $"no storage vol with matching path '{path}'"
                : $"no storage vol with matching path '{path}' ({clean})");
    }

    private VolumeInfo? FindVolume(Func<VolumeDefinition, bool> match)
    {
        foreach (var entry in _pools.All())
        {
            lock (entry.Gate)
            {
                if (!entry.IsActive)
                {
                    continue;
                }
                foreach (var child in entry.Children.Values)
                {
                    if (!child.Building && match(child.Def))
                    {
                        return VolumeInfo.From(entry.Name, child.Def, child.Building, child.InUse);
                    }
                }
            }
        }
        return null;
    }

    private string VolumeField(string pool, string volume, Func<VolumeDefinition, string?> field)
    {
        var entry = _pools.Get(pool);
        lock (entry.Gate)
        {
            var child = _pools.RequireChild(entry, volume);
            return field(child.Def) ?? throw StorageErrors.OperationInvalid($"volume '{volume}' is still being allocated.");
        }
    }

    // Re-reads a volume outside the gate and publishes the result unless it changed meanwhile.
    private (PoolDefinition Def, VolumeDefinition Vol, bool Building, int InUse) RefreshVolume(string pool, string volume) =>
        _pools.RefreshChild(pool, volume,
            def => _backends.Get(def.Type).Capabilities.Supports(PoolOperations.RefreshVolume),
            (def, seen) => RefreshedCopy(_backends.Get(def.Type), def, seen));

    private static VolumeDefinition RefreshedCopy(IPoolBackend backend, PoolDefinition def, VolumeDefinition vol)
    {
        var copy = DefinitionCopy.Of(vol);
        if (backend.Capabilities.Supports(PoolOperations.RefreshVolume))
        {
            backend.RefreshVolume(def, copy);
        }
        return copy;
    }
}
