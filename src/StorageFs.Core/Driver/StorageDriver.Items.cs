using Microsoft.Win32.SafeHandles;
using StorageFs.Core.Backend;
using StorageFs.Core.Model;
using StorageFs.Core.Names;
using StorageFs.Core.Persistence;
using StorageFs.Core.Xml;
using StorageFs.Interop;

namespace StorageFs.Core.Driver;

/// <summary>fspool items (the fspool series' virFSItem* APIs): create, clone, delete, info,
/// XML, path. Copies and deletions of whole trees run as jobs.</summary>
public sealed partial class StorageDriver
{
    /// <summary>Every item of a running fspool, sorted by name.</summary>
    public IReadOnlyList<FsItemInfo> ListItems(string fspool) =>
        _fsPools.ListChildren(fspool, (item, building, inUse) => FsItemInfo.From(fspool, item, building, inUse));

    /// <summary>The names <see cref="ListItems"/> lists, in no particular order: what a
    /// directory listing needs, without sorting and describing 10,000 items per <c>ls</c>.</summary>
    /// <exception cref="StorageException">NoStoragePool, or OperationInvalid for an inactive fspool.</exception>
    public IReadOnlyList<string> ListItemNames(string fspool) => _fsPools.ChildNames(fspool);

    /// <summary>Creates an item (a subdirectory with the document's mode, owner and group).</summary>
    public FsItemInfo CreateItem(string fspool, string xml)
    {
        var entry = _fsPools.Get(fspool);
        var (def, item, reserved, backend) = ReserveItem(entry, xml, FsPoolOperations.CreateItem,
            "fspool does not support item creation");
        var work = DefinitionCopy.Of(item);
        try
        {
            _fsPools.RecheckTarget(def);
            backend.CreateItem(def, work);
            if (backend.Capabilities.Supports(FsPoolOperations.RefreshItem))
            {
                backend.RefreshItem(def, work);
            }
        }
        catch
        {
            _fsPools.CommitNewChild(entry, reserved, work, ok: false);
            throw;
        }
        _fsPools.CommitNewChild(entry, reserved, work, ok: true);
        return FsItemInfo.From(fspool, work, building: false, inUse: 0);
    }

    /// <summary>Creates an item as a recursive copy of another and waits.</summary>
    public FsItemInfo CloneItem(string fspool, string xml, string sourceFsPool, string sourceItem, JobRequester? requester = null)
    {
        var job = StartCloneItem(fspool, xml, sourceFsPool, sourceItem, requester);
        job.Wait();
        return GetItemInfo(fspool, job.Target!);
    }

    /// <summary>Starts copying <paramref name="sourceItem"/> of <paramref name="sourceFsPool"/>
    /// into a new item as a job (item-create-from / item-clone).</summary>
    public StorageJob StartCloneItem(string fspool, string xml, string sourceFsPool, string sourceItem, JobRequester? requester = null)
    {
        var entry = _fsPools.Get(fspool);
        var sourceEntry = sourceFsPool == fspool ? entry : _fsPools.Get(sourceFsPool);
        var (def, item, reserved, backend) = ReserveItem(entry, xml, FsPoolOperations.CloneItem,
            "fspool does not support item creation from an existing item");
        PoolLifecycle<FsPoolDefinition, FsItemDefinition>.HeldSource held;
        try
        {
            held = _fsPools.HoldSource(sourceEntry, entry, sourceItem,
                (_, child) => PoolLifecycle<FsPoolDefinition, FsItemDefinition>.RequireBuilt(child, sourceItem));
        }
        catch
        {
            _fsPools.CommitNewChild(entry, reserved, item, ok: false);
            throw;
        }
        var (sourceDef, source) = (held.Def, held.Child);
        var work = DefinitionCopy.Of(item);
        if (work.Capacity < source.Capacity)
        {
            work.Capacity = source.Capacity;
        }
        return Jobs.Start(JobKind.ItemClone, DefinitionKind.FsPool, fspool, item.Name, requester,
            (job, token) =>
            {
                _fsPools.RecheckTarget(def);
                _fsPools.RecheckTarget(sourceDef);
                backend.CloneItem(def, work, sourceDef, DefinitionCopy.Of(source), job, token);
                if (backend.Capabilities.Supports(FsPoolOperations.RefreshItem))
                {
                    backend.RefreshItem(def, work);
                }
            },
            ok =>
            {
                held.Release();
                _fsPools.CommitNewChild(entry, reserved, work, ok);
            });
    }

    /// <summary>Deletes an item and everything in it, and waits.</summary>
    public void DeleteItem(string fspool, string item, JobRequester? requester = null) => StartDeleteItem(fspool, item, requester).Wait();

    /// <summary>Starts deleting an item's tree as a job; symlinks inside are removed, never
    /// followed.</summary>
    public StorageJob StartDeleteItem(string fspool, string item, JobRequester? requester = null)
    {
        var entry = _fsPools.Get(fspool);
        FsPoolDefinition def;
        ChildEntry<FsItemDefinition> child;
        IFsPoolBackend backend;
        lock (entry.Gate)
        {
            child = _fsPools.RequireChild(entry, item);
            PoolLifecycle<FsPoolDefinition, FsItemDefinition>.RequireIdle(child, item);
            def = entry.Def;
            backend = ItemBackend(def, FsPoolOperations.DeleteItem, "fspool does not support item deletion");
            child.InUse++;
            entry.Touch(item);
            entry.AsyncJobs++;
        }
        var target = DefinitionCopy.Of(child.Def);
        return Jobs.Start(JobKind.ItemDelete, DefinitionKind.FsPool, fspool, item, requester,
            (job, token) =>
            {
                _fsPools.RecheckTarget(def);
                backend.DeleteItem(def, target, job, token);
            },
            ok =>
            {
                lock (entry.Gate)
                {
                    child.InUse--;
                    entry.Touch(item);
                    entry.AsyncJobs--;
                    if (ok && entry.Children.TryGetValue(item, out var current) && current == child)
                    {
                        entry.Children.Remove(item);
                        entry.AdjustSizes(-(long)child.Def.Allocation);
                    }
                }
                if (ok)
                {
                    _fsPools.Raise(StorageEventKind.VolumeDeleted, entry, item);
                }
            });
    }

    /// <summary>An item's info, its allocation re-measured first.</summary>
    public FsItemInfo GetItemInfo(string fspool, string item)
    {
        var (_, def, building, inUse) = RefreshItem(fspool, item);
        return FsItemInfo.From(fspool, def, building, inUse);
    }

    /// <summary>An item's XML, its allocation re-measured first.</summary>
    public string GetItemXml(string fspool, string item) => FsItemXml.Format(RefreshItem(fspool, item).Item);

    /// <summary>
    /// Brings a running fspool's item list up to date with its host directory, cheaply: the
    /// backend lists the names (nothing measured); names new on the host are described one by
    /// one and added, items gone from the host are dropped, each raising item-created or
    /// item-deleted. Items being made, copied or deleted by the driver are left alone, and a
    /// change made through the driver while the host was read makes this pass change nothing
    /// (the next one will). Quiet otherwise: no <c>refreshed</c> event. Nothing happens for an
    /// inactive or starting fspool or a backend that cannot list.
    /// </summary>
    public void SyncItems(string fspool)
    {
        var entry = _fsPools.Get(fspool);
        FsPoolDefinition def;
        IFsPoolBackend backend;
        long version;
        lock (entry.Gate)
        {
            if (entry.Removed || !entry.IsActive || entry.Starting)
            {
                return;
            }
            def = entry.Def;
            backend = _backends.Get(def.Type);
            if (!backend.Capabilities.Supports(FsPoolOperations.ListItems))
            {
                return;
            }
            version = entry.ChildVersion;
        }
        var onHost = backend.ListItemNames(def).ToHashSet(StringComparer.Ordinal);
        var removed = new List<string>();
        List<string> fresh;
        lock (entry.Gate)
        {
            if (entry.Removed || !entry.IsActive || entry.Starting || entry.ChildVersion != version)
            {
                return;
            }
            foreach (var (name, child) in entry.Children)
            {
                if (!onHost.Contains(name) && !child.Building && child.InUse == 0)
                {
                    removed.Add(name);
                }
            }
            foreach (var name in removed)
            {
                entry.AdjustSizes(-(long)entry.Children[name].Def.Allocation);
                entry.Children.Remove(name);
                entry.Touch(name);
            }
            fresh = [.. onHost.Where(n => !entry.Children.ContainsKey(n))];
        }
        foreach (var name in removed)
        {
            _fsPools.Raise(StorageEventKind.VolumeDeleted, entry, name);
        }
        foreach (var name in fresh)
        {
            Adopt(entry, def, backend, name);
        }
    }

    /// <summary>
    /// Whether a running fspool has the item <paramref name="item"/>: known to the driver, or
    /// found on the host now (made there since the last listing), which then joins the list
    /// (item-created). One look at one name: what a lookup of an unknown name costs.
    /// </summary>
    public bool HasItem(string fspool, string item)
    {
        var entry = _fsPools.Get(fspool);
        FsPoolDefinition def;
        IFsPoolBackend backend;
        lock (entry.Gate)
        {
            _fsPools.RequireActive(entry);
            if (entry.Children.ContainsKey(item))
            {
                return true;
            }
            def = entry.Def;
            backend = _backends.Get(def.Type);
            if (!backend.Capabilities.Supports(FsPoolOperations.ListItems) || entry.Starting)
            {
                return false;
            }
        }
        return Adopt(entry, def, backend, item);
    }

    /// <summary>
    /// The item's directory as an O_PATH descriptor the caller owns, opened by the backend
    /// beneath the pool's directory without following a symbolic link: the tree serves the
    /// item relative to exactly this directory and never opens it by path. An item gone from
    /// the host is dropped (item-deleted) and reported as not found.
    /// </summary>
    public SafeFileHandle OpenItem(string fspool, string item)
    {
        var entry = _fsPools.Get(fspool);
        FsPoolDefinition def;
        ChildEntry<FsItemDefinition> child;
        IFsPoolBackend backend;
        lock (entry.Gate)
        {
            child = _fsPools.RequireChild(entry, item);
            if (child.Building)
            {
                throw StorageErrors.OperationInvalid($"item '{item}' is still being created.");
            }
            def = entry.Def;
            backend = ItemBackend(def, FsPoolOperations.OpenItem, "fspool does not support opening items");
        }
        try
        {
            return backend.OpenItem(def, DefinitionCopy.Of(child.Def));
        }
        catch (StorageException e) when (e.OsErrno is (int)Errno.ENOENT or (int)Errno.ENOTDIR)
        {
            throw Vanished(entry, child, item);
        }
    }

    // Adds the host's item `name` unless the driver has one of that name by now; true when it
    // is there (either way).
    private bool Adopt(PoolEntry<FsPoolDefinition, FsItemDefinition> entry, FsPoolDefinition def, IFsPoolBackend backend, string name)
    {
        FsItemDefinition? found;
        try
        {
            found = backend.FindItem(def, name);
        }
        catch (StorageException e)
        {
            _log.Warning("fspool {Pool}: cannot describe item {Item} found on the host: {Error}", def.Name, name, e.Message);
            return false;
        }
        if (found is null)
        {
            return false;
        }
        lock (entry.Gate)
        {
            if (entry.Removed || !entry.IsActive)
            {
                return false;
            }
            if (!entry.Children.TryAdd(name, new ChildEntry<FsItemDefinition>(found, building: false)))
            {
                return true;
            }
            entry.Touch(name);
            entry.AdjustSizes((long)found.Allocation);
        }
        _fsPools.Raise(StorageEventKind.VolumeCreated, entry, name);
        return true;
    }

    // The host no longer has `child`: drop it (unless the driver is changing it) and say so.
    private StorageException Vanished(PoolEntry<FsPoolDefinition, FsItemDefinition> entry, ChildEntry<FsItemDefinition> child, string item)
    {
        bool dropped = false;
        lock (entry.Gate)
        {
            if (entry.Children.TryGetValue(item, out var current) && current == child && !child.Building && child.InUse == 0)
            {
                entry.Children.Remove(item);
                entry.Touch(item);
                entry.AdjustSizes(-(long)child.Def.Allocation);
                dropped = true;
            }
        }
        if (dropped)
        {
            _fsPools.Raise(StorageEventKind.VolumeDeleted, entry, item);
        }
        return _fsPools.Flavor.ChildNotFound(item);
    }

    /// <summary>The fspool's backend when it supports <paramref name="operation"/>, else NoSupport with libvirt's <paramref name="unsupported"/>.</summary>
    private IFsPoolBackend ItemBackend(FsPoolDefinition def, FsPoolOperations operation, string unsupported)
    {
        var backend = _backends.Get(def.Type);
        return backend.Capabilities.Supports(operation) ? backend : throw StorageErrors.NoSupport(unsupported);
    }

    /// <summary>An item's path.</summary>
    public string GetItemPath(string fspool, string item)
    {
        var entry = _fsPools.Get(fspool);
        lock (entry.Gate)
        {
            return _fsPools.RequireChild(entry, item).Def.Path
                ?? throw StorageErrors.OperationInvalid($"item '{item}' is still being created.");
        }
    }

    private (FsPoolDefinition Def, FsItemDefinition Item, ChildEntry<FsItemDefinition> Reserved, IFsPoolBackend Backend)
        ReserveItem(PoolEntry<FsPoolDefinition, FsItemDefinition> entry, string xml, FsPoolOperations operation, string unsupported)
    {
        lock (entry.Gate)
        {
            _fsPools.RequireActive(entry);
            var def = entry.Def;
            var backend = _backends.Get(def.Type);
            var item = FsItemXml.Parse(xml, def, VolumeParseFlags.NoCapacity);
            NameRules.Validate(NameKind.FsItem, item.Name);
            if (entry.Children.ContainsKey(item.Name))
            {
                throw new StorageException(ErrorCode.VolExists, $"item '{item.Name}' exists already");
            }
            if (!backend.Capabilities.Supports(operation))
            {
                throw StorageErrors.NoSupport(unsupported);
            }
            item.Key = null;
            item.Path = null;
            var reserved = new ChildEntry<FsItemDefinition>(item, building: true);
            entry.Children[item.Name] = reserved;
            entry.Touch(item.Name);
            entry.AsyncJobs++;
            return (def, item, reserved, backend);
        }
    }

    // Re-reads an item outside the gate; one gone from the host is dropped (item-deleted).
    private (FsPoolDefinition Def, FsItemDefinition Item, bool Building, int InUse) RefreshItem(string fspool, string item) =>
        _fsPools.RefreshChild(fspool, item,
            def => _backends.Get(def.Type).Capabilities.Supports(FsPoolOperations.RefreshItem),
            (def, seen) =>
            {
                var refreshed = DefinitionCopy.Of(seen);
                try
                {
                    _backends.Get(def.Type).RefreshItem(def, refreshed);
                }
                catch (StorageException e) when (e.OsErrno is (int)Errno.ENOENT or (int)Errno.ENOTDIR)
                {
                    var entry = _fsPools.Get(fspool);
                    ChildEntry<FsItemDefinition>? child;
                    lock (entry.Gate)
                    {
                        child = entry.Children.TryGetValue(item, out var current) && current.Def == seen ? current : null;
                    }
                    throw child is null ? _fsPools.Flavor.ChildNotFound(item) : Vanished(entry, child, item);
                }
                return refreshed;
            });
}
