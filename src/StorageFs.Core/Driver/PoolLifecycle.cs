using Serilog;
using StorageFs.Core.Backend;
using StorageFs.Core.Model;
using StorageFs.Core.Names;
using StorageFs.Core.Persistence;

namespace StorageFs.Core.Driver;

/// <summary>
/// The pool state machine of libvirt's storage driver (src/storage/storage_driver.c), written
/// once for both pool kinds: define, create (transient), undefine, build, start, stop, delete,
/// refresh, autostart, info, XML and load. Each step checks the state under the pool's gate,
/// marks the pool starting (or counts a job), calls the backend with no lock held, then
/// publishes the result under the gate and raises its event with no lock held.
/// </summary>
internal sealed partial class PoolLifecycle<TDef, TChild>
    where TDef : PoolDefinitionBase
    where TChild : PoolChildDefinition
{
    private readonly IPoolFlavor<TDef, TChild> _flavor;
    private readonly PoolRegistry _registry;
    private readonly DefinitionStore _store;
    private readonly TargetPathPolicy _policy;
    private readonly JobRegistry _jobs;
    private readonly Action<StorageEventArgs> _raise;
    private readonly Func<object, string?> _directoryTarget;
    private readonly ILogger _log;

    public PoolLifecycle(IPoolFlavor<TDef, TChild> flavor, PoolRegistry registry, DefinitionStore store,
        TargetPathPolicy policy, JobRegistry jobs, Action<StorageEventArgs> raise,
        Func<object, string?> directoryTarget, ILogger log)
    {
        _flavor = flavor;
        _registry = registry;
        _store = store;
        _policy = policy;
        _jobs = jobs;
        _raise = raise;
        _directoryTarget = directoryTarget;
        _log = log;
    }

    public IPoolFlavor<TDef, TChild> Flavor => _flavor;

    private DefinitionKind Kind => _flavor.Kind;

    // ---- lookups and shared checks ----

    /// <summary>The pool named <paramref name="name"/>. A pool whose start at load has not run
    /// yet is started first, here (or waited for, when a worker is starting it): nothing ever
    /// sees a pool meant to run half-loaded.</summary>
    public PoolEntry<TDef, TChild> Get(string name)
    {
        var entry = _registry.Find(Kind, name) as PoolEntry<TDef, TChild> ?? throw _flavor.PoolNotFound(name);
        entry.Deferred?.RunOrWait(() => StartLoaded(entry, CancellationToken.None));
        return entry;
    }

    public IReadOnlyList<PoolEntry<TDef, TChild>> All() =>
        [.. _registry.Snapshot(Kind).OfType<PoolEntry<TDef, TChild>>()];

    /// <summary>Under the gate: the pool must be active and not mid-step.</summary>
    public void RequireActive(PoolEntry<TDef, TChild> entry)
    {
        if (entry.Removed)
        {
            throw _flavor.PoolNotFound(entry.Name);
        }
        if (!entry.IsActive)
        {
            throw NotActive(entry);
        }
    }

    public StorageException NotActive(PoolEntry<TDef, TChild> entry) =>
        StorageErrors.OperationInvalid($"{_flavor.Noun} '{entry.Name}' is not active");

    /// <summary>Under the gate: the pool's child named <paramref name="name"/>.</summary>
    public ChildEntry<TChild> RequireChild(PoolEntry<TDef, TChild> entry, string name)
    {
        RequireActive(entry);
        return entry.Children.TryGetValue(name, out var child) ? child : throw _flavor.ChildNotFound(name);
    }

    /// <summary>Under the gate: libvirt's in_use / building checks before changing a child.</summary>
    public static void RequireIdle(ChildEntry<TChild> child, string name)
    {
        if (child.InUse > 0)
        {
            throw child.InUse == child.Opens
                ? StorageErrors.OpenConflict($"volume '{name}' is still in use.")
                : StorageErrors.OperationInvalid($"volume '{name}' is still in use.");
        }
        RequireBuilt(child, name);
    }

    /// <summary>Built, and not being changed by an exclusive user: a reader may join.</summary>
    public static void RequireShareable(ChildEntry<TChild> child, string name)
    {
        RequireBuilt(child, name);
        if (child.Changing)
        {
            throw StorageErrors.OperationInvalid($"volume '{name}' is still in use.");
        }
        if (child.WriteOpens > 0)
        {
            throw StorageErrors.OpenConflict($"volume '{name}' is open for writing: close it before cloning it.");
        }
    }

    public static void RequireBuilt(ChildEntry<TChild> child, string name)
    {
        if (child.Building)
        {
            throw StorageErrors.OperationInvalid($"volume '{name}' is still being allocated.");
        }
    }

    public void Raise(StorageEventKind kind, PoolEntry<TDef, TChild> entry, string? child = null)
    {
        _raise(new StorageEventArgs(kind, Kind, entry.Name, entry.Uuid, child));
    }

    /// <summary>Re-checks, before the backend touches it, that the target still resolves to
    /// itself inside the allowed directories (a symlink may have been swapped since define).</summary>
    public void RecheckTarget(TDef def)
    {
        if (_flavor.DirectoryTarget(def) is { } target)
        {
            var resolved = _policy.Check(target);
            if (resolved != target)
            {
                throw StorageErrors.Denied(
                    $"target path '{target}' now resolves to '{resolved}'; redefine the {_flavor.Noun} to use it");
            }
        }
    }

    // ---- define, create, undefine ----

    public PoolEntry<TDef, TChild> Define(string xml) => Define(_flavor.Parse(xml));

    public PoolEntry<TDef, TChild> Define(TDef parsed)
    {
        var def = Prepare(parsed);
        var name = def.Name;
        var uuid = def.Uuid;
        TDef? previousDef = null;
        TDef? previousPending = null;
        var entry = (PoolEntry<TDef, TChild>)_registry.AddOrUpdate(Kind, name, uuid, def, _flavor.ShortNoun,
            _directoryTarget,
            () => new PoolEntry<TDef, TChild>(Kind, def, name, uuid) { Persistent = true },
            existing =>
            {
                var pe = (PoolEntry<TDef, TChild>)existing;
                lock (pe.Gate)
                {
                    previousDef = pe.Def;
                    previousPending = pe.Pending;
                    if (pe.IsActive || pe.Starting)
                    {
                        pe.Pending = def;
                    }
                    else
                    {
                        pe.Def = def;
                    }
                }
            },
            out bool created);

        Exception? failure = null;
        lock (entry.Gate)
        {
            try
            {
                // Whatever is current when the file is written, so the last writer stores the
                // last definition even when two redefines interleave.
                _store.Save(Kind, name, uuid, _flavor.Format(entry.Pending ?? entry.Def));
                entry.Persistent = true;
            }
            catch (Exception e)
            {
                failure = e;
                if (created)
                {
                    entry.Removed = true;
                }
                else if (previousDef is not null)
                {
                    entry.Def = previousDef;
                    entry.Pending = previousPending;
                }
            }
        }
        if (failure is not null)
        {
            if (created)
            {
                _registry.Remove(entry);
            }
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }
        _log.Information("{Noun} {Pool} defined", _flavor.Noun, name);
        Raise(StorageEventKind.PoolDefined, entry);
        return entry;
    }

    public PoolEntry<TDef, TChild> Create(string xml, PoolBuildFlags? build) => Create(_flavor.Parse(xml), build);

    public PoolEntry<TDef, TChild> Create(TDef parsed, PoolBuildFlags? build)
    {
        var def = Prepare(parsed);
        if (build is { } flags)
        {
            CheckBuildFlags(def, flags);
        }
        var name = def.Name;
        var uuid = def.Uuid;
        var entry = (PoolEntry<TDef, TChild>)_registry.AddOrUpdate(Kind, name, uuid, def, _flavor.ShortNoun,
            _directoryTarget,
            () => new PoolEntry<TDef, TChild>(Kind, def, name, uuid) { Starting = true, State = PoolState.Building },
            existing =>
            {
                var pe = (PoolEntry<TDef, TChild>)existing;
                lock (pe.Gate)
                {
                    if (pe.IsActive)
                    {
                        throw StorageErrors.OperationInvalid($"{_flavor.ShortNoun} is already active as '{name}'");
                    }
                    if (pe.Starting)
                    {
                        throw StorageErrors.OperationInvalid($"{_flavor.ShortNoun} '{name}' is starting up");
                    }
                    // The persistent definition waits while the live one runs (ADD_LIVE).
                    pe.Pending ??= pe.Def;
                    pe.Def = def;
                    pe.Starting = true;
                    pe.State = PoolState.Building;
                }
            },
            out _);
        RunStart(entry, build, CancellationToken.None);
        return entry;
    }

    public void Undefine(string name)
    {
        var entry = Get(name);
        lock (entry.Gate)
        {
            RequireInactiveIdle(entry);
            if (!entry.Persistent)
            {
                throw StorageErrors.Internal($"{_flavor.ShortNoun} has no config file");
            }
            _store.Delete(Kind, name);
            entry.Persistent = false;
            entry.Removed = true;
        }
        _registry.Remove(entry);
        _log.Information("{Noun} {Pool} undefined", _flavor.Noun, name);
        Raise(StorageEventKind.PoolUndefined, entry);
    }

    // ---- reading ----

    public PoolInfo Info(PoolEntry<TDef, TChild> entry, string type)
    {
        lock (entry.Gate)
        {
            return new PoolInfo
            {
                Kind = Kind,
                Name = entry.Name,
                Uuid = entry.Uuid,
                Type = type,
                State = entry.State,
                Persistent = entry.Persistent,
                Autostart = entry.Autostart,
                Capacity = entry.IsActive ? entry.Sizes.Capacity : 0,
                Allocation = entry.IsActive ? entry.Sizes.Allocation : 0,
                Available = entry.IsActive ? entry.Sizes.Available : 0,
                TargetPath = _flavor.DirectoryTarget(entry.Def),
                Children = entry.Children.Count,
                AsyncJobs = entry.AsyncJobs,
                Problems = entry.Problems,
            };
        }
    }

    public string Xml(string name, bool inactive)
    {
        var entry = Get(name);
        TDef def;
        lock (entry.Gate)
        {
            // A stopped pool keeps the sizes and target permissions of its last refresh, as
            // libvirt's pool-dumpxml shows them (its definition object keeps them); zero before
            // the first start.
            def = inactive && entry.Pending is not null
                ? entry.Pending
                : Live(entry.Def, entry.Sizes, entry.TargetPermissions);
        }
        return _flavor.Format(def);
    }

    /// <summary>A copy of <paramref name="def"/> showing live numbers and, where the kind shows
    /// them, the target's permissions as the host has them.</summary>
    private TDef Live(TDef def, PoolSizes sizes, StoragePermissions? permissions)
    {
        var live = _flavor.Copy(def);
        live.Capacity = sizes.Capacity;
        live.Allocation = sizes.Allocation;
        live.Available = sizes.Available;
        if (permissions is not null && _flavor.ShowsTargetPermissions(live))
        {
            live.Target.Permissions.Mode = permissions.Mode ?? live.Target.Permissions.Mode;
            live.Target.Permissions.Owner = permissions.Owner ?? live.Target.Permissions.Owner;
            live.Target.Permissions.Group = permissions.Group ?? live.Target.Permissions.Group;
        }
        return live;
    }

    // ---- loading at start-up ----

    /// <summary>Registers one stored definition of this kind and returns its entry when it is
    /// meant to run: intended running, or autostart when <paramref name="autostartDue"/> (first
    /// load since boot), marked starting with its start deferred (<see cref="StartAll"/> or the
    /// first lookup runs it); null when it is not meant to run or was not loaded (logged).</summary>
    public PoolEntry<TDef, TChild>? LoadOne(StoredDefinition s, bool autostartDue)
    {
        TDef def;
        try
        {
            def = StorageDriver.TakeCheckedAtLoad<TDef>(s.Xml) ?? _flavor.Parse(s.Xml);
            if (def.Name != s.Name)
            {
                throw StorageErrors.Internal(
                    $"{_flavor.Noun} config file name '{s.Name}' does not match {_flavor.ShortNoun} name '{def.Name}'");
            }
        }
        catch (StorageException e)
        {
            _log.Error("Stored {Noun} {Pool} is unusable and was not loaded: {Error}", _flavor.Noun, s.Name, e.Message);
            return null;
        }
        bool start = s.Flags.State == IntendedState.Running || (s.Flags.Autostart && autostartDue);
        PoolEntry<TDef, TChild> entry;
        try
        {
            entry = (PoolEntry<TDef, TChild>)_registry.AddOrUpdate(Kind, s.Name, def.Uuid, def,
                _flavor.ShortNoun, _directoryTarget,
                () => new PoolEntry<TDef, TChild>(Kind, def, s.Name, def.Uuid)
                {
                    Persistent = true,
                    Autostart = s.Flags.Autostart,
                    // Marked before anyone can see it: as a start in progress, which it is.
                    Starting = start,
                    State = start ? PoolState.Building : PoolState.Inactive,
                    Deferred = start ? new DeferredStart() : null,
                },
                _ => throw StorageErrors.Internal($"{_flavor.Noun} '{s.Name}' is already loaded"),
                out _, loading: true);
        }
        catch (StorageException e)
        {
            _log.Error("Stored {Noun} {Pool} was not loaded: {Error}", _flavor.Noun, s.Name, e.Message);
            return null;
        }
        return start ? entry : null;
    }

    /// <summary>
    /// Runs the deferred starts of <paramref name="entries"/> on <paramref name="workers"/>
    /// threads (starting is refreshing every volume: with many pools, most of a daemon's
    /// start-up). A pool a request needs meanwhile is started by that request. A start that
    /// fails leaves the pool inaccessible and the others unaffected; cancelling stops taking
    /// new pools (those left start at their first lookup).
    /// </summary>
    public void StartAll(IReadOnlyList<PoolEntry<TDef, TChild>> entries, int workers, CancellationToken cancellation)
    {
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, workers), CancellationToken = cancellation };
        try
        {
            Parallel.ForEach(entries, parallel, entry => entry.Deferred?.RunOrWait(() => StartLoaded(entry, cancellation)));
        }
        catch (OperationCanceledException)
        {
            _log.Information("Stopped starting {Noun}s: the daemon is stopping", _flavor.Noun);
        }
    }

    private void StartLoaded(PoolEntry<TDef, TChild> entry, CancellationToken cancellation)
    {
        try
        {
            RunStart(entry, null, cancellation);
        }
        catch (Exception e)
        {
            // Logged, never thrown: the caller is a worker or a lookup, not the pool's starter.
            lock (entry.Gate)
            {
                if (!entry.IsActive)
                {
                    entry.Starting = false;
                    entry.State = PoolState.Inaccessible;
                }
            }
            _log.Error("Failed to start {Noun} {Pool}: {Error}", _flavor.Noun, entry.Name, e.Message);
        }
        finally
        {
            entry.Deferred = null;
        }
    }

    // ---- helpers ----

    private TDef Prepare(TDef def)
    {
        _flavor.RequireBackend(def);
        if (_flavor.DirectoryTarget(def) is { } target)
        {
            def.Target.Path = _policy.Check(target);
        }
        // Source keys are looked up here, outside every lock (a name to resolve, a pvs to
        // run), for the candidate and for every registered definition not keyed yet, so the
        // conflict check under the registry lock only compares.
        var keys = _flavor.SourceKeys(def);
        PoolConflicts.RememberKeys(def, keys);
        if (keys.Count > 0)
        {
            foreach (var other in _registry.Snapshot(Kind))
            {
                foreach (var existing in new[] { other.Definition, other.PendingDefinition })
                {
                    if (existing is TDef known && !PoolConflicts.HasKeys(known))
                    {
                        PoolConflicts.RememberKeys(known, _flavor.SourceKeys(known));
                    }
                }
            }
        }
        return def;
    }

}
