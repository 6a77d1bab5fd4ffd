using StorageFs.Core.Backend;
using StorageFs.Core.Persistence;

namespace StorageFs.Core.Driver;

/// <summary>
/// Every pool and fspool by (kind, name) and (kind, UUID) (libvirt's
/// <c>virStoragePoolObjList</c>, src/conf/virstorageobj.c). Its lock guards only the two maps;
/// no backend and no store is ever called under it. Lock order: the registry lock may be held
/// while taking one pool's gate (to redefine it), never the reverse.
/// </summary>
internal sealed class PoolRegistry
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(DefinitionKind, string), IPoolEntry> _byName = [];
    private readonly Dictionary<(DefinitionKind, Guid), IPoolEntry> _byUuid = [];

    // While the stored definitions load (BeginLoading to EndLoading) every lookup except the
    // loader's own waits for them, so nothing sees a partial registry (a define's duplicate
    // check sees every stored pool); only the names, as the store's directory lists them,
    // answer at once (Names, Contains): the tree lists pools/ before a definition is parsed.
    // Find of one name waits only until the loader has registered that name (an entry is
    // complete once registered; the loader registers in name order as the files are read),
    // each registration pulsed on _progress.
    private readonly ManualResetEventSlim _loaded = new(initialState: true);
    private readonly object _progress = new();
    private volatile HashSet<(DefinitionKind Kind, string Name)>? _storedNames;
    private int _loaderThread;

    /// <summary>Marks the registry as loading on the calling thread (the loader, whose own calls
    /// pass); <paramref name="stored"/> are the names the store lists, answered meanwhile.</summary>
    public void BeginLoading(IEnumerable<(DefinitionKind Kind, string Name)> stored)
    {
        _storedNames = [.. stored];
        _loaderThread = 0;
        _loaded.Reset();
    }

    /// <summary>The thread that runs the load (its lookups never wait for it).</summary>
    public void LoadOn(int managedThreadId) => Volatile.Write(ref _loaderThread, managedThreadId);

    /// <summary>Ends the load: every waiting lookup goes on, over the registry as loaded.</summary>
    public void EndLoading()
    {
        lock (_gate)
        {
            _loadIndex = null;
        }
        _storedNames = null;
        _loaded.Set();
        lock (_progress)
        {
            Monitor.PulseAll(_progress);
        }
    }

    /// <summary>Whether the stored definitions are still being loaded.</summary>
    public bool Loading => !_loaded.IsSet;

    private void WaitLoaded()
    {
        if (!_loaded.IsSet && Environment.CurrentManagedThreadId != Volatile.Read(ref _loaderThread))
        {
            _loaded.Wait();
        }
    }

    /// <summary>The names of every pool of <paramref name="kind"/>, sorted as <see cref="Snapshot"/>
    /// sorts; while loading, the stored names (without waiting).</summary>
    public IReadOnlyList<string> Names(DefinitionKind kind)
    {
        if (_storedNames is { } stored)
        {
            return [.. stored.Where(n => n.Kind == kind).Select(n => n.Name)
                .Order(StringComparer.OrdinalIgnoreCase).ThenBy(n => n, StringComparer.Ordinal)];
        }
        return [.. Snapshot(kind).Select(e => e.Name)];
    }

    /// <summary>Whether a pool of that kind and name exists; while loading, whether the store
    /// lists it (without waiting).</summary>
    public bool Contains(DefinitionKind kind, string name) =>
        _storedNames is { } stored ? stored.Contains((kind, name)) : Find(kind, name) is not null;

    /// <summary>The live entry of that kind and name, or null. While loading, it waits until
    /// the loader has registered that name or the load has ended, not for the whole load; a
    /// name the store does not list is answered at once (a define, which could add one, waits
    /// for the load).</summary>
    public IPoolEntry? Find(DefinitionKind kind, string name)
    {
        if (!_loaded.IsSet && Environment.CurrentManagedThreadId != Volatile.Read(ref _loaderThread))
        {
            lock (_progress)
            {
                while (_storedNames is { } stored && stored.Contains((kind, name)) && Lookup(kind, name) is null)
                {
                    Monitor.Wait(_progress);
                }
            }
        }
        return Lookup(kind, name);
    }

    private IPoolEntry? Lookup(DefinitionKind kind, string name)
    {
        lock (_gate)
        {
            return _byName.TryGetValue((kind, name), out var entry) && !entry.Removed ? entry : null;
        }
    }

    /// <summary>Every live entry (of <paramref name="kind"/> when given), sorted by name.</summary>
    public IReadOnlyList<IPoolEntry> Snapshot(DefinitionKind? kind = null)
    {
        WaitLoaded();
        lock (_gate)
        {
            return [.. _byName.Values
                .Where(e => !e.Removed && (kind is null || e.Kind == kind))
                .OrderBy(e => e.Name, StringComparer.OrdinalIgnoreCase)
                .ThenBy(e => e.Name, StringComparer.Ordinal)];
        }
    }

    /// <summary>
    /// Adds a definition or hands the existing entry of the same name and UUID to
    /// <paramref name="update"/> (virStoragePoolObjListAdd): first the source-conflict rules
    /// against every other pool, then the name/UUID rules, all under the registry lock so two
    /// concurrent defines cannot both pass.
    /// </summary>
    /// <exception cref="StorageException">PoolExists with libvirt's message, or whatever
    /// <paramref name="update"/> throws.</exception>
    private PoolConflicts.LoadIndex? _loadIndex;

    public IPoolEntry AddOrUpdate(DefinitionKind kind, string name, Guid uuid, object def, string shortNoun,
        Func<object, string?> directoryTarget, Func<IPoolEntry> create, Action<IPoolEntry> update, out bool created, bool loading = false)
    {
        WaitLoaded();
        IPoolEntry entry;
        lock (_gate)
        {
            // At load, definitions are only ever added: an index of their targets replaces the
            // scan of every pool loaded before (PoolConflicts.LoadIndex). The first define after
            // the load drops it.
            _loadIndex = loading ? _loadIndex ?? new PoolConflicts.LoadIndex() : null;
            if (PoolConflicts.Find(kind, def, _byName.Values, directoryTarget, loading, _loadIndex) is { } conflict)
            {
                throw Exists(conflict);
            }
            if (_byUuid.TryGetValue((kind, uuid), out var sameUuid) && !sameUuid.Removed && sameUuid.Name != name)
            {
                throw Exists($"{shortNoun} '{sameUuid.Name}' is already defined with uuid {uuid:D}");
            }
            if (_byName.TryGetValue((kind, name), out var sameName) && !sameName.Removed)
            {
                if (sameName.Uuid != uuid)
                {
                    throw Exists($"{shortNoun} '{name}' already exists with uuid {sameName.Uuid:D}");
                }
                update(sameName);
                created = false;
                return sameName;
            }
            entry = create();
            _byName[(kind, name)] = entry;
            _byUuid[(kind, uuid)] = entry;
            _loadIndex?.Add(kind, def, directoryTarget);
            created = true;
        }
        if (loading)
        {
            lock (_progress)
            {
                Monitor.PulseAll(_progress);
            }
        }
        return entry;
    }

    /// <summary>Forgets <paramref name="entry"/> (if it is still the one registered).</summary>
    public void Remove(IPoolEntry entry)
    {
        WaitLoaded();
        lock (_gate)
        {
            if (_byName.TryGetValue((entry.Kind, entry.Name), out var byName) && ReferenceEquals(byName, entry))
            {
                _byName.Remove((entry.Kind, entry.Name));
            }
            if (_byUuid.TryGetValue((entry.Kind, entry.Uuid), out var byUuid) && ReferenceEquals(byUuid, entry))
            {
                _byUuid.Remove((entry.Kind, entry.Uuid));
            }
        }
    }

    private static StorageException Exists(string message) =>
        new(ErrorCode.PoolExists, "operation failed: " + message);
}
