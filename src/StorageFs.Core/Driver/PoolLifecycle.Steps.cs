using Serilog;
using StorageFs.Core.Backend;
using StorageFs.Core.Persistence;

namespace StorageFs.Core.Driver;

/// <summary>The lifecycle steps that call a backend (start, stop, build, delete, refresh,
/// autostart) and their bookkeeping.</summary>
internal sealed partial class PoolLifecycle<TDef, TChild>
{
    // ---- start, stop, build, delete, refresh ----

    public void Start(string name, PoolBuildFlags? build, CancellationToken cancellation = default)
    {
        var entry = Get(name);
        lock (entry.Gate)
        {
            if (build is { } flags)
            {
                CheckBuildFlags(entry.Def, flags);
            }
            RequireStartable(entry);
            entry.Starting = true;
            entry.State = PoolState.Building;
        }
        RunStart(entry, build, cancellation);
    }

    public void Stop(string name)
    {
        var entry = Get(name);
        TDef def;
        bool wasInaccessible = false;
        lock (entry.Gate)
        {
            if (!entry.Removed && !entry.IsActive && !entry.Starting && entry.State == PoolState.Inaccessible)
            {
                wasInaccessible = true;
                // Meant to run, but its start failed (its target vanished, a tool is missing):
                // nothing runs, so stopping it only records that it should no longer be started
                // (such a pool could not be stopped, and every restart retried it).
                entry.State = PoolState.Inactive;
                if (entry.Persistent)
                {
                    RecordIntent(entry, running: false);
                }
            }
            else
            {
                RequireActive(entry);
                RequireNotStarting(entry);
                RequireNoJobs(entry);
                entry.Starting = true;
            }
            def = entry.Def;
        }
        if (wasInaccessible)
        {
            _log.Information("{Noun} {Pool} stopped (it was inaccessible)", _flavor.Noun, name);
            Raise(StorageEventKind.PoolStopped, entry);
            return;
        }
        try
        {
            _flavor.Stop(def);
        }
        catch
        {
            lock (entry.Gate)
            {
                entry.Starting = false;
            }
            throw;
        }
        bool forget;
        lock (entry.Gate)
        {
            entry.IsActive = false;
            entry.Starting = false;
            entry.State = PoolState.Inactive;
            entry.Children.Clear();
            entry.ListingChanged();
            entry.Problems = [];
            if (entry.Persistent)
            {
                RecordIntent(entry, running: false);
            }
            forget = EndInactive(entry);
        }
        if (forget)
        {
            _registry.Remove(entry);
        }
        _log.Information("{Noun} {Pool} stopped", _flavor.Noun, name);
        Raise(StorageEventKind.PoolStopped, entry);
    }

    public StorageJob StartBuild(string name, PoolBuildFlags flags, JobRequester? requester)
    {
        var entry = Get(name);
        TDef def;
        lock (entry.Gate)
        {
            CheckBuildFlags(entry.Def, flags);
            RequireStartable(entry);
            entry.Starting = true;
            entry.State = PoolState.Building;
            def = entry.Def;
        }
        return _jobs.Start(JobKind.PoolBuild, Kind, name, null, requester,
            (job, token) =>
            {
                RecheckTarget(def);
                _flavor.Build(def, flags, job, token);
            },
            ok =>
            {
                bool forget;
                lock (entry.Gate)
                {
                    entry.Starting = false;
                    entry.State = PoolState.Inactive;
                    forget = EndInactive(entry);
                }
                if (forget)
                {
                    _registry.Remove(entry);
                }
                if (ok)
                {
                    _log.Information("{Noun} {Pool} built", _flavor.Noun, name);
                    Raise(StorageEventKind.PoolBuilt, entry);
                }
            });
    }

    public void Delete(string name)
    {
        var entry = Get(name);
        TDef def;
        lock (entry.Gate)
        {
            if (entry.IsActive)
            {
                throw StorageErrors.OperationInvalid($"{_flavor.Noun} '{name}' is still active");
            }
            RequireNotStarting(entry);
            RequireNoJobs(entry);
            if (!_flavor.CanDelete(entry.Def))
            {
                throw _flavor.DeleteUnsupported;
            }
            entry.Starting = true;
            def = entry.Def;
        }
        try
        {
            RecheckTarget(def);
            _flavor.Delete(def);
        }
        finally
        {
            lock (entry.Gate)
            {
                entry.Starting = false;
            }
        }
        _log.Information("{Noun} {Pool} deleted", _flavor.Noun, name);
        Raise(StorageEventKind.PoolDeleted, entry);
    }

    public void Refresh(string name, CancellationToken cancellation = default, bool announce = true)
    {
        var entry = Get(name);
        TDef def;
        lock (entry.Gate)
        {
            RequireActive(entry);
            RequireNotStarting(entry);
            RequireNoJobs(entry);
            entry.Starting = true;
            entry.Touched = [];
            def = entry.Def;
        }
        RefreshOutcome<TChild> outcome;
        DateTime began = DateTime.UtcNow;
        try
        {
            outcome = _flavor.Refresh(def, cancellation);
        }
        catch (Exception e) when (e is StorageException or IOException or UnauthorizedAccessException or OperationCanceledException)
        {
            // libvirt stops a pool whose refresh fails (storagePoolRefreshFailCleanup); StorageFs
            // keeps the user's intent, so the pool shows inaccessible until started again.
            StopAfterFailure(entry, def, e);
            throw Wrap(e, $"cannot refresh {_flavor.Noun} '{name}'");
        }
        lock (entry.Gate)
        {
            Publish(entry, outcome, began);
            entry.Starting = false;
        }
        if (announce)
        {
            Raise(StorageEventKind.PoolRefreshed, entry);
        }
    }

    public void SetAutostart(string name, bool autostart)
    {
        var entry = Get(name);
        bool changed;
        lock (entry.Gate)
        {
            if (!entry.Persistent)
            {
                throw StorageErrors.Internal($"{_flavor.ShortNoun} has no config file");
            }
            changed = entry.Autostart != autostart;
            if (changed)
            {
                _store.SetAutostart(Kind, name, autostart);
                entry.Autostart = autostart;
            }
        }
        if (changed)
        {
            Raise(StorageEventKind.PoolAutostartChanged, entry);
        }
    }

    private void CheckBuildFlags(TDef def, PoolBuildFlags flags)
    {
        if ((flags & (PoolBuildFlags.Overwrite | PoolBuildFlags.NoOverwrite)) ==
            (PoolBuildFlags.Overwrite | PoolBuildFlags.NoOverwrite))
        {
            throw StorageErrors.InvalidArg(
                "Flags 'VIR_STORAGE_POOL_BUILD_OVERWRITE' and 'VIR_STORAGE_POOL_BUILD_NO_OVERWRITE' are mutually exclusive");
        }
        var unsupported = flags & ~_flavor.BuildFlags(def);
        if (unsupported != 0)
        {
            throw StorageErrors.InvalidArg($"unsupported flags (0x{(int)unsupported:x}) in function build");
        }
    }

    private void RequireStartable(PoolEntry<TDef, TChild> entry)
    {
        if (entry.Removed)
        {
            throw _flavor.PoolNotFound(entry.Name);
        }
        if (entry.IsActive)
        {
            throw StorageErrors.OperationInvalid($"{_flavor.Noun} '{entry.Name}' is already active");
        }
        RequireNotStarting(entry);
    }

    private void RequireNotStarting(PoolEntry<TDef, TChild> entry)
    {
        if (entry.Starting)
        {
            throw StorageErrors.OperationInvalid($"{_flavor.Noun} '{entry.Name}' is starting up");
        }
    }

    private void RequireNoJobs(PoolEntry<TDef, TChild> entry)
    {
        if (entry.AsyncJobs > 0)
        {
            // libvirt's wording ("internal error: …"), but the cause is the pool being busy: EBUSY, not EIO.
            throw new StorageException(ErrorCode.Busy, $"internal error: {_flavor.ShortNoun} '{entry.Name}' has asynchronous jobs running.");
        }
    }

    private void RequireInactiveIdle(PoolEntry<TDef, TChild> entry)
    {
        if (entry.IsActive)
        {
            throw StorageErrors.OperationInvalid($"{_flavor.Noun} '{entry.Name}' is still active");
        }
        RequireNotStarting(entry);
        RequireNoJobs(entry);
    }

    // Caller set Starting (and State = Building) under the gate.
    private void RunStart(PoolEntry<TDef, TChild> entry, PoolBuildFlags? build, CancellationToken cancellation)
    {
        var def = entry.Def;
        RefreshOutcome<TChild> outcome;
        try
        {
            RecheckTarget(def);
            if (build is { } flags)
            {
                _flavor.Build(def, flags, NullProgress.Instance, cancellation);
            }
            _flavor.Start(def, cancellation);
        }
        catch (Exception e) when (e is StorageException or IOException or UnauthorizedAccessException or OperationCanceledException)
        {
            FailStart(entry);
            throw Wrap(e, $"cannot start {_flavor.Noun} '{entry.Name}'");
        }
        DateTime began = DateTime.UtcNow;
        try
        {
            outcome = _flavor.Refresh(def, cancellation);
        }
        catch (Exception e) when (e is StorageException or IOException or UnauthorizedAccessException or OperationCanceledException)
        {
            TryStop(def);
            FailStart(entry);
            throw Wrap(e, $"cannot refresh {_flavor.Noun} '{entry.Name}'");
        }
        lock (entry.Gate)
        {
            Publish(entry, outcome, began);
            entry.IsActive = true;
            entry.Starting = false;
            if (entry.Persistent)
            {
                RecordIntent(entry, running: true);
            }
        }
        _log.Information("{Noun} {Pool} started", _flavor.Noun, entry.Name);
        Raise(StorageEventKind.PoolStarted, entry);
    }

    private void FailStart(PoolEntry<TDef, TChild> entry)
    {
        bool forget;
        lock (entry.Gate)
        {
            entry.Starting = false;
            entry.State = PoolState.Inactive;
            forget = EndInactive(entry);
        }
        if (forget)
        {
            _registry.Remove(entry);
        }
    }

    private void StopAfterFailure(PoolEntry<TDef, TChild> entry, TDef def, Exception cause)
    {
        _log.Error("Refresh of {Noun} {Pool} failed, stopping it: {Error}", _flavor.Noun, entry.Name, cause.Message);
        TryStop(def);
        bool forget;
        lock (entry.Gate)
        {
            entry.IsActive = false;
            entry.Starting = false;
            entry.Touched = null;
            entry.Children.Clear();
            entry.ListingChanged();
            entry.State = entry.Persistent ? PoolState.Inaccessible : PoolState.Inactive;
            forget = EndInactive(entry);
        }
        if (forget)
        {
            _registry.Remove(entry);
        }
        Raise(StorageEventKind.PoolStopped, entry);
    }

    private void TryStop(TDef def)
    {
        try
        {
            _flavor.Stop(def);
        }
        catch (StorageException e)
        {
            _log.Error("Stopping {Noun} {Pool} after a failure failed too: {Error}", _flavor.Noun, def.Name, e.Message);
        }
    }

    // Under the gate, once the pool is inactive: a transient pool goes away
    // (returns true: remove it from the registry), a pending definition takes over
    // (virStoragePoolUpdateInactive).
    private static bool EndInactive(PoolEntry<TDef, TChild> entry)
    {
        if (!entry.Persistent)
        {
            entry.Removed = true;
            return true;
        }
        if (entry.Pending is { } pending)
        {
            entry.Def = pending;
            entry.Pending = null;
        }
        return false;
    }

    private void Publish(PoolEntry<TDef, TChild> entry, RefreshOutcome<TChild> outcome, DateTime began)
    {
        entry.ReadSince = began;
        entry.Sizes = outcome.Sizes;
        entry.TargetPermissions = outcome.TargetPermissions;
        entry.Problems = outcome.Problems;
        entry.State = outcome.Problems.Count > 0 ? PoolState.Degraded : PoolState.Running;
        // Children created, changed or deleted while the backend refreshed outside the gate
        // keep their current state: the refresh may have read the directory before them.
        var touched = (entry.Touched ?? []).Select(n => (Name: n, Child: entry.Children.GetValueOrDefault(n))).ToList();
        entry.Touched = null;
        if (touched.Count > 0 || !ListsTheSame(entry, outcome.Children))
        {
            entry.ListingChanged();
            entry.Children.Clear();
            // Sized to what the refresh found, shrunk or grown in one step (grown one insert at a
            // time it ends up to twice that: about 25 bytes a volume more, 24 MiB at a million).
            entry.Children.TrimExcess(outcome.Children.Count + touched.Count);
            entry.Children.EnsureCapacity(outcome.Children.Count + touched.Count);
        }
        // The same children read again are each replaced where they stand, so a listing keeps
        // its order under the same ListingVersion (the kernel may go on with a cached listing
        // by its offsets).
        foreach (var child in outcome.Children)
        {
            entry.Children[child.Name] = new ChildEntry<TChild>(child, building: false);
        }
        foreach (var (name, child) in touched)
        {
            if (child is null)
            {
                entry.Children.Remove(name);
            }
            else
            {
                entry.Children[name] = child;
            }
        }
    }

    /// <summary>Whether <paramref name="read"/> lists as the entry's children do now: the same names, each shown the same.</summary>
    private static bool ListsTheSame(PoolEntry<TDef, TChild> entry, IReadOnlyCollection<TChild> read)
    {
        if (read.Count != entry.Children.Count)
            return false;
        foreach (var child in read)
        {
            if (!entry.Children.TryGetValue(child.Name, out var now) || now.Def.ListedKind != child.ListedKind)
                return false;
        }
        return true;
    }

    private void RecordIntent(PoolEntry<TDef, TChild> entry, bool running)
    {
        try
        {
            _store.SetIntendedState(Kind, entry.Name, running ? IntendedState.Running : IntendedState.Stopped);
        }
        catch (Exception e) when (e is StorageException or IOException or UnauthorizedAccessException)
        {
            _log.Error("Cannot record that {Noun} {Pool} is meant to be {State}: {Error}",
                _flavor.Noun, entry.Name, running ? "running" : "stopped", e.Message);
        }
    }

    private static StorageException Wrap(Exception e, string what) => e switch
    {
        StorageException se => se,
        OperationCanceledException => StorageErrors.Aborted(what),
        _ => StorageErrors.Io(e, what),
    };
}
