using StorageFs.Core.Backend;
using StorageFs.Core.Model;
using StorageFs.Core.Names;
using StorageFs.Core.Persistence;
using StorageFs.Core.Xml;

namespace StorageFs.Core.Driver;

/// <summary>fspool items (the fspool series' virFSItem* APIs): create, clone, delete, info,
/// XML, path. Copies and deletions of whole trees run as jobs.</summary>
public sealed partial class StorageDriver
{
    /// <summary>Every item of a running fspool, sorted by name.</summary>
    public IReadOnlyList<FsItemInfo> ListItems(string fspool)
    {
        var entry = _fsPools.Get(fspool);
        lock (entry.Gate)
        {
            _fsPools.RequireActive(entry);
            return [.. entry.Children.Values
                .OrderBy(c => c.Def.Name, StringComparer.OrdinalIgnoreCase)
                .ThenBy(c => c.Def.Name, StringComparer.Ordinal)
                .Select(c => FsItemInfo.From(fspool, c.Def, c.Building, c.InUse))];
        }
    }

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
            CommitNewItem(entry, reserved, work, ok: false);
            throw;
        }
        CommitNewItem(entry, reserved, work, ok: true);
        return FsItemInfo.From(fspool, work, building: false, inUse: 0);
    }

    /// <summary>Creates an item as a recursive copy of another and waits.</summary>
    public FsItemInfo CloneItem(string fspool, string xml, string sourceFsPool, string sourceItem)
    {
        var job = StartCloneItem(fspool, xml, sourceFsPool, sourceItem);
        job.Wait();
        return GetItemInfo(fspool, job.Target!);
    }

    /// <summary>Starts copying <paramref name="sourceItem"/> of <paramref name="sourceFsPool"/>
    /// into a new item as a job (item-create-from / item-clone).</summary>
    public StorageJob StartCloneItem(string fspool, string xml, string sourceFsPool, string sourceItem)
    {
        var entry = _fsPools.Get(fspool);
        var sourceEntry = sourceFsPool == fspool ? entry : _fsPools.Get(sourceFsPool);
        var (def, item, reserved, backend) = ReserveItem(entry, xml, FsPoolOperations.CloneItem,
            "fspool does not support item creation from an existing item");
        FsPoolDefinition sourceDef;
        FsItemDefinition source;
        ChildEntry<FsItemDefinition> sourceChild;
        try
        {
            lock (sourceEntry.Gate)
            {
                sourceChild = _fsPools.RequireChild(sourceEntry, sourceItem);
                PoolLifecycle<FsPoolDefinition, FsItemDefinition>.RequireBuilt(sourceChild, sourceItem);
                sourceDef = sourceEntry.Def;
                source = sourceChild.Def;
                sourceChild.InUse++;
                sourceEntry.Touch(sourceItem);
                if (sourceEntry != entry)
                {
                    sourceEntry.AsyncJobs++;
                }
            }
        }
        catch
        {
            CommitNewItem(entry, reserved, item, ok: false);
            throw;
        }
        var work = DefinitionCopy.Of(item);
        if (work.Capacity < source.Capacity)
        {
            work.Capacity = source.Capacity;
        }
        return Jobs.Start(JobKind.ItemClone, DefinitionKind.FsPool, fspool, item.Name,
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
                lock (sourceEntry.Gate)
                {
                    sourceChild.InUse--;
                    sourceEntry.Touch(sourceItem);
                    if (sourceEntry != entry)
                    {
                        sourceEntry.AsyncJobs--;
                    }
                }
                CommitNewItem(entry, reserved, work, ok);
            });
    }

    /// <summary>Deletes an item and everything in it, and waits.</summary>
    public void DeleteItem(string fspool, string item) => StartDeleteItem(fspool, item).Wait();

    /// <summary>Starts deleting an item's tree as a job; symlinks inside are removed, never
    /// followed.</summary>
    public StorageJob StartDeleteItem(string fspool, string item)
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
            backend = _backends.Get(def.Type);
            if (!backend.Capabilities.Supports(FsPoolOperations.DeleteItem))
            {
                throw StorageErrors.NoSupport("fspool does not support item deletion");
            }
            child.InUse++;
            entry.Touch(item);
            entry.AsyncJobs++;
        }
        var target = DefinitionCopy.Of(child.Def);
        return Jobs.Start(JobKind.ItemDelete, DefinitionKind.FsPool, fspool, item,
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
                        AdjustSizes(entry, -(long)child.Def.Allocation);
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

    private void CommitNewItem(PoolEntry<FsPoolDefinition, FsItemDefinition> entry,
        ChildEntry<FsItemDefinition> reserved, FsItemDefinition built, bool ok)
    {
        lock (entry.Gate)
        {
            entry.AsyncJobs--;
            if (!entry.Children.TryGetValue(built.Name, out var current) || current != reserved)
            {
                return;
            }
            if (ok)
            {
                reserved.Def = built;
                entry.Touch(built.Name);
                reserved.Building = false;
                AdjustSizes(entry, (long)built.Allocation);
            }
            else
            {
                entry.Children.Remove(built.Name);
                entry.Touch(built.Name);
            }
        }
        if (ok)
        {
            _fsPools.Raise(StorageEventKind.VolumeCreated, entry, built.Name);
        }
    }

    private (FsPoolDefinition Def, FsItemDefinition Item, bool Building, int InUse) RefreshItem(string fspool, string item)
    {
        var entry = _fsPools.Get(fspool);
        FsPoolDefinition def;
        ChildEntry<FsItemDefinition> child;
        FsItemDefinition seen;
        IFsPoolBackend backend;
        lock (entry.Gate)
        {
            child = _fsPools.RequireChild(entry, item);
            def = entry.Def;
            seen = child.Def;
            backend = _backends.Get(def.Type);
            if (child.Building || !backend.Capabilities.Supports(FsPoolOperations.RefreshItem))
            {
                return (def, seen, child.Building, child.InUse);
            }
        }
        var refreshed = DefinitionCopy.Of(seen);
        backend.RefreshItem(def, refreshed);
        lock (entry.Gate)
        {
            if (entry.Children.TryGetValue(item, out var current) && current == child && child.Def == seen)
            {
                child.Def = refreshed;
            }
            return (def, refreshed, child.Building, child.InUse);
        }
    }
}
