using StorageFs.Core.Backend;
using StorageFs.Core.Model;
using StorageFs.Core.Names;
using StorageFs.Core.Persistence;
using StorageFs.Core.Xml;

namespace StorageFs.Core.Driver;

/// <summary>Volume creation, cloning, deletion and listing (storageVolCreateXML,
/// storageVolCreateXMLFrom, storageVolDelete in libvirt's storage_driver.c).</summary>
public sealed partial class StorageDriver
{
    /// <summary>Every volume of a running pool, sorted by name as virsh sorts.</summary>
    public IReadOnlyList<VolumeInfo> ListVolumes(string pool) =>
        _pools.ListChildren(pool, (vol, building, inUse) => VolumeInfo.From(pool, vol, building, inUse));

    /// <summary>The names <see cref="ListVolumes"/> lists, in no particular order: a directory
    /// listing needs nothing else, and sorting and describing 10,000 volumes per <c>ls</c> cost
    /// more than the listing (bench/run tree-readdir).</summary>
    /// <exception cref="StorageException">NoStoragePool, or OperationInvalid for an inactive pool.</exception>
    public IReadOnlyList<string> ListVolumeNames(string pool) => _pools.ChildNames(pool);

    /// <summary>Whether a running pool lists a volume of that name (one being built included):
    /// <see cref="ListVolumes"/>'s answer for one name, without sorting and copying the list.</summary>
    /// <exception cref="StorageException">NoStoragePool, or OperationInvalid for an inactive pool.</exception>
    public bool HasVolume(string pool, string volume) => _pools.HasChild(pool, volume);

    /// <summary>Creates a volume from XML and waits for it to be allocated.</summary>
    public VolumeInfo CreateVolume(string pool, string xml, VolumeCreateFlags flags = VolumeCreateFlags.None,
        JobRequester? requester = null)
    {
        var job = StartCreateVolume(pool, xml, flags, requester);
        job.Wait();
        return GetVolumeInfo(pool, job.Target!);
    }

    /// <summary>
    /// Creates a volume from XML: the checks and the name reservation happen now (so errors such
    /// as "storage volume 'v' exists already" are thrown here), the allocation runs as a job
    /// during which the volume is listed as building and the pool cannot be stopped.
    /// </summary>
    public StorageJob StartCreateVolume(string pool, string xml, VolumeCreateFlags flags = VolumeCreateFlags.None,
        JobRequester? requester = null)
    {
        CheckCreateFlags(flags, VolumeCreateFlags.PreallocMetadata | VolumeCreateFlags.Validate, "storageVolCreateXML");
        var entry = _pools.Get(pool);
        var (def, vol, backend, reserved) = ReserveNewVolume(entry, xml, VolumeParseFlags.OptCapacity, PoolOperations.CreateVolume,
            name => StorageErrors.VolumeExists($"'{name}'"),
            "storage pool does not support volume creation");
        var work = DefinitionCopy.Of(vol);
        return Jobs.Start(JobKind.VolumeCreate, DefinitionKind.Pool, pool, vol.Name, requester,
            (job, token) =>
            {
                _pools.RecheckTarget(def);
                backend.CreateVolume(def, work);
                backend.BuildVolume(def, work, flags, job, token);
                RefreshNewVolume(backend, def, work);
            },
            ok => _pools.CommitNewChild(entry, reserved, work, ok));
    }

    /// <summary>
    /// The checks a new volume passes under its pool's gate (running pool, valid document and
    /// name, name free, operation and format supported), then its reservation: listed as
    /// building, the pool held by one more job. libvirt words "exists" differently for create and
    /// clone, hence <paramref name="exists"/>.
    /// </summary>
    private (PoolDefinition Def, VolumeDefinition Vol, IPoolBackend Backend, ChildEntry<VolumeDefinition> Reserved) ReserveNewVolume(
        PoolEntry<PoolDefinition, VolumeDefinition> entry, string xml, VolumeParseFlags parse, PoolOperations operation,
        Func<string, StorageException> exists, string unsupported)
    {
        lock (entry.Gate)
        {
            _pools.RequireActive(entry);
            var def = entry.Def;
            var backend = _backends.Get(def.Type);
            var vol = VolumeXml.Parse(xml, def, parse);
            NameRules.Validate(NameKind.Volume, vol.Name);
            if (entry.Children.ContainsKey(vol.Name))
            {
                throw exists(vol.Name);
            }
            if (!backend.Capabilities.Supports(operation))
            {
                throw StorageErrors.NoSupport(unsupported);
            }
            CheckFormat(backend.Capabilities, vol);
            // The key is the backend's to choose (libvirt wipes any the user suggested).
            vol.Key = null;
            var reserved = new ChildEntry<VolumeDefinition>(vol, building: true);
            entry.Children[vol.Name] = reserved;
            entry.Touch(vol.Name);
            entry.AsyncJobs++;
            return (def, vol, backend, reserved);
        }
    }

    /// <summary>Creates a volume as a copy of another (in this or another running pool) and
    /// waits for the copy.</summary>
    public VolumeInfo CloneVolume(string pool, string xml, string sourcePool, string sourceVolume,
        VolumeCreateFlags flags = VolumeCreateFlags.None, JobRequester? requester = null)
    {
        var job = StartCloneVolume(pool, xml, sourcePool, sourceVolume, flags, requester);
        job.Wait();
        return GetVolumeInfo(pool, job.Target!);
    }

    /// <summary>
    /// Creates a volume as a copy of <paramref name="sourceVolume"/> of
    /// <paramref name="sourcePool"/> (virsh vol-create-from / vol-clone): the new capacity is at
    /// least the source's, the copy runs as a job, the source is marked in use meanwhile.
    /// </summary>
    public StorageJob StartCloneVolume(string pool, string xml, string sourcePool, string sourceVolume,
        VolumeCreateFlags flags = VolumeCreateFlags.None, JobRequester? requester = null) =>
        StartCloneVolume(pool, xml, sourcePool, sourceVolume, flags, afterBuild: null, requester);

    // afterBuild runs in the job once the copy is made and read back (a snapshot's mark).
    private StorageJob StartCloneVolume(string pool, string xml, string sourcePool, string sourceVolume,
        VolumeCreateFlags flags, Action<PoolDefinition, VolumeDefinition>? afterBuild, JobRequester? requester)
    {
        CheckCreateFlags(flags, VolumeCreateFlags.PreallocMetadata | VolumeCreateFlags.Reflink | VolumeCreateFlags.PreferReflink | VolumeCreateFlags.Validate,
            "storageVolCreateXMLFrom");
        var entry = _pools.Get(pool);
        var sourceEntry = sourcePool == pool ? entry : _pools.Get(sourcePool);
        var (def, vol, backend, reserved) = ReserveNewVolume(entry, xml, VolumeParseFlags.NoCapacity, PoolOperations.CloneVolume,
            name => StorageErrors.Internal($"storage volume name '{name}' already in use."),
            "storage pool does not support volume creation from an existing volume");

        PoolLifecycle<PoolDefinition, VolumeDefinition>.HeldSource held;
        try
        {
            held = _pools.HoldSource(sourceEntry, entry, sourceVolume, (sourcePoolDef, child) =>
            {
                PoolLifecycle<PoolDefinition, VolumeDefinition>.RequireShareable(child, sourceVolume);
                if (!backend.Capabilities.CloneSources.Contains(sourcePoolDef.Type))
                {
                    throw StorageErrors.NoSupport(
                        $"a '{def.Type.ToXml()}' pool cannot copy volumes of a '{sourcePoolDef.Type.ToXml()}' pool");
                }
            });
        }
        catch
        {
            _pools.CommitNewChild(entry, reserved, vol, ok: false);
            throw;
        }
        var (sourceDef, source) = (held.Def, held.Child);

        var work = DefinitionCopy.Of(vol);
        // libvirt: the copy is at least as large as the source; no allocation means fully allocated.
        if (work.Capacity < source.Capacity)
        {
            work.Capacity = source.Capacity;
        }
        if (!work.HasAllocation)
        {
            work.Allocation = work.Capacity;
        }
        var sourceBackend = _backends.Get(sourceDef.Type);
        return Jobs.Start(JobKind.VolumeClone, DefinitionKind.Pool, pool, vol.Name, requester,
            (job, token) =>
            {
                _pools.RecheckTarget(def);
                _pools.RecheckTarget(sourceDef);
                var input = DefinitionCopy.Of(source);
                if (sourceBackend.Capabilities.Supports(PoolOperations.RefreshVolume))
                {
                    sourceBackend.RefreshVolume(sourceDef, input);
                }
                backend.CreateVolume(def, work);
                backend.CloneVolume(def, work, sourceDef, input, flags, job, token);
                RefreshNewVolume(backend, def, work);
                afterBuild?.Invoke(def, work);
            },
            ok =>
            {
                held.Release();
                _pools.CommitNewChild(entry, reserved, work, ok);
            });
    }

    /// <summary>Deletes a volume (a file pool unlinks it; a symlink is removed, never its target).</summary>
    public void DeleteVolume(string pool, string volume)
    {
        var entry = _pools.Get(pool);
        var (def, vol, child, backend) = BeginVolumeChange(entry, volume, PoolOperations.DeleteVolume,
            "storage pool does not support vol deletion");
        try
        {
            _pools.RecheckTarget(def);
            backend.DeleteVolume(def, DefinitionCopy.Of(vol));
        }
        catch
        {
            EndVolumeChange(entry, child, null);
            throw;
        }
        lock (entry.Gate)
        {
            child.InUse--;
            child.Changing = false;
            entry.Touch(child.Def.Name);
            entry.AsyncJobs--;
            if (entry.Children.TryGetValue(volume, out var current) && current == child)
            {
                entry.Children.Remove(volume);
                entry.AdjustSizes(-(long)child.Def.Allocation);
            }
        }
        _pools.Raise(StorageEventKind.VolumeDeleted, entry, volume);
    }

    private static void CheckCreateFlags(VolumeCreateFlags flags, VolumeCreateFlags allowed, string function)
    {
        var unsupported = flags & ~allowed;
        if (unsupported != 0)
        {
            throw StorageErrors.InvalidArg($"unsupported flags (0x{(int)unsupported:x}) in function {function}");
        }
    }

    private static void CheckFormat(PoolBackendCapabilities caps, VolumeDefinition vol)
    {
        if (vol.Target.Format is { } format && caps.VolumeFormats.Count > 0 && !caps.SupportsFormat(format))
        {
            throw StorageErrors.ConfigUnsupported(
                $"a '{caps.Type.ToXml()}' pool cannot create volumes of format '{format}' " +
                $"(it creates {string.Join(", ", caps.VolumeFormats)})");
        }
    }

    // libvirt deletes a volume whose first refresh fails (storageVolDeleteInternal).
    private void RefreshNewVolume(IPoolBackend backend, PoolDefinition def, VolumeDefinition work)
    {
        if (!backend.Capabilities.Supports(PoolOperations.RefreshVolume))
        {
            return;
        }
        try
        {
            backend.RefreshVolume(def, work);
        }
        catch (StorageException)
        {
            try
            {
                backend.DeleteVolume(def, work);
            }
            catch (StorageException e)
            {
                _log.Error("Cannot remove volume {Volume} after its refresh failed: {Error}", work.Name, e.Message);
            }
            throw;
        }
    }

    // Marks a volume in use (and the pool busy) for a change that runs outside the gate.
    private (PoolDefinition Def, VolumeDefinition Vol, ChildEntry<VolumeDefinition> Child, IPoolBackend Backend)
        BeginVolumeChange(PoolEntry<PoolDefinition, VolumeDefinition> entry, string volume, PoolOperations operation,
            string unsupported)
    {
        lock (entry.Gate)
        {
            var child = _pools.RequireChild(entry, volume);
            PoolLifecycle<PoolDefinition, VolumeDefinition>.RequireIdle(child, volume);
            var backend = _backends.Get(entry.Def.Type);
            if (!backend.Capabilities.Supports(operation))
            {
                throw StorageErrors.NoSupport(unsupported);
            }
            child.InUse++;
            // Idle above, so this change is the volume's one exclusive user until it ends.
            child.Changing = true;
            entry.Touch(volume);
            entry.AsyncJobs++;
            return (entry.Def, child.Def, child, backend);
        }
    }

    // Releases BeginVolumeChange's marks; publishes a refreshed definition when given.
    private static void EndVolumeChange(PoolEntry<PoolDefinition, VolumeDefinition> entry,
        ChildEntry<VolumeDefinition> child, VolumeDefinition? refreshed)
    {
        lock (entry.Gate)
        {
            child.InUse--;
            // Readers may have joined during the change (opens never wait for it), so the
            // change ends its own mark rather than waiting for InUse to reach 0.
            child.Changing = false;
            entry.Touch(child.Def.Name);
            entry.AsyncJobs--;
            if (refreshed is not null && entry.Children.TryGetValue(refreshed.Name, out var current) && current == child)
            {
                entry.AdjustSizes((long)refreshed.Allocation - (long)child.Def.Allocation);
                child.Def = refreshed;
            }
        }
    }
}
