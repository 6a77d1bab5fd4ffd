using Serilog;
using StorageFs.Core.Backend;
using StorageFs.Core.Model;
using StorageFs.Core.Persistence;

namespace StorageFs.Core.Driver;

/// <summary>
/// The storage driver: every operation on pools, volumes, fspools and items, with libvirt's
/// rules and messages (src/storage/storage_driver.c), for the tree layer to call. Thread-safe:
/// each pool has its own gate, the registry its own lock, no lock is held while a backend runs,
/// and long operations (build, volume create/clone/wipe, item clone/delete) run as
/// <see cref="StorageJob"/>s with the pool marked busy. Files by concern: Pools, Volumes,
/// FsPools, Items.
/// </summary>
public sealed partial class StorageDriver
{
    private const string AutostartMarker = "autostarted";

    private readonly BackendTable _backends;
    private readonly DefinitionStore _store;
    private readonly StorageDriverOptions _options;
    private readonly ILogger _log;
    private readonly PoolRegistry _registry = new();
    private readonly PoolLifecycle<PoolDefinition, VolumeDefinition> _pools;
    private readonly PoolLifecycle<FsPoolDefinition, FsItemDefinition> _fsPools;
    private int _loaded;

    private readonly StoragePoolFlavor _poolFlavor;
    private readonly FsPoolFlavor _fsPoolFlavor;

    /// <summary>A driver over <paramref name="backends"/> keeping definitions in
    /// <paramref name="store"/>. Call <see cref="Load"/> once before use.</summary>
    public StorageDriver(BackendTable backends, DefinitionStore store, StorageDriverOptions? options = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(backends);
        ArgumentNullException.ThrowIfNull(store);
        _backends = backends;
        _store = store;
        _options = options ?? new StorageDriverOptions();
        _log = (logger ?? Serilog.Core.Logger.None).ForContext<StorageDriver>();
        Jobs = new JobRegistry(_log);
        var poolFlavor = _poolFlavor = new StoragePoolFlavor(backends);
        var fsPoolFlavor = _fsPoolFlavor = new FsPoolFlavor(backends);
        string? DirectoryTarget(object def) => def switch
        {
            PoolDefinition p => poolFlavor.DirectoryTarget(p),
            FsPoolDefinition f => f.Target.Path,
            _ => null,
        };
        _pools = new(poolFlavor, _registry, store, _options.Policy, Jobs, Raise, DirectoryTarget, _log);
        _fsPools = new(fsPoolFlavor, _registry, store, _options.Policy, Jobs, Raise, DirectoryTarget, _log);
    }

    /// <summary>Raised after every lifecycle change, with no lock held, on the thread that made
    /// the change (a job's worker thread for jobs). A handler that throws is logged and skipped.</summary>
    public event EventHandler<StorageEventArgs>? Changed;

    /// <summary>Running and recently finished jobs.</summary>
    public JobRegistry Jobs { get; }

    /// <summary>The backends this driver runs with (capabilities per type).</summary>
    public BackendTable Backends => _backends;

    /// <summary>The allowed-directories policy.</summary>
    public Names.TargetPathPolicy Policy => _options.Policy;

    /// <summary>
    /// Loads every stored definition and starts the pools meant to run: those the user left
    /// running, plus autostart pools on the first load after a boot. Unusable definitions are
    /// set aside by the store and logged; one pool failing to start (left inaccessible) never
    /// stops the others. Returns once every start has run. Call once (this or <see cref="BeginLoad"/>).
    /// </summary>
    /// <exception cref="InvalidOperationException">Called twice.</exception>
    /// <exception cref="StorageException">The store cannot be read at all.</exception>
    public void Load() => BeginLoad(Math.Max(2, Environment.ProcessorCount)).GetAwaiter().GetResult();

    /// <summary>
    /// <see cref="Load"/>, returning at once: the stored definitions are read, checked and
    /// registered on a thread of their own, then the pools meant to run start on
    /// <paramref name="workers"/> background threads; the returned task completes when every
    /// start has run (its result: how many). Until the definitions are registered, only the
    /// names the store's directory lists answer at once (<see cref="ListPoolNames"/>,
    /// <see cref="PoolExists"/> and the fspool twins); an operation on one pool waits until
    /// that pool is registered (in name order, as the files are read), every other operation
    /// for the whole load, so none sees part of it and a define's duplicate check sees every
    /// stored pool.
    /// Until its start has run a pool shows state building in listings, and any operation on
    /// it (its info, XML, volumes) first starts it on the caller's thread, or waits for the
    /// worker starting it: a daemon can answer at once, and what it answers about a pool is
    /// never half-loaded. Cancelling stops taking new pools; those left start at their first use.
    /// </summary>
    /// <exception cref="InvalidOperationException">Called twice.</exception>
    /// <exception cref="StorageException">The store's directories cannot be listed.</exception>
    public Task<int> BeginLoad(int workers, CancellationToken cancellation = default)
    {
        if (Interlocked.Exchange(ref _loaded, 1) != 0)
        {
            throw new InvalidOperationException("the storage driver is already loaded");
        }
        // One directory listing per kind is all a mount waits for (10,000 pools: reading and
        // parsing every definition took 2-3 s of CPU before the mount; docs/PERFORMANCE.md).
        var names = new List<(DefinitionKind, string)>();
        foreach (var kind in Enum.GetValues<DefinitionKind>())
        {
            names.AddRange(_store.ListNames(kind).Select(n => (kind, n)));
        }
        bool autostartDue = TakeAutostartTurn();
        _registry.BeginLoading(names);
        return Task.Factory.StartNew(() =>
        {
            _registry.LoadOn(Environment.CurrentManagedThreadId);
            var pools = new List<PoolEntry<PoolDefinition, VolumeDefinition>>();
            var fsPools = new List<PoolEntry<FsPoolDefinition, FsItemDefinition>>();
            try
            {
                // Each registered as soon as it and those before it are read: a lookup of one
                // pool waits for that pool only (PoolRegistry.Find).
                _store.Load(s =>
                {
                    if (s.Kind == DefinitionKind.Pool)
                    {
                        if (_pools.LoadOne(s, autostartDue) is { } pool)
                        {
                            pools.Add(pool);
                        }
                    }
                    else if (_fsPools.LoadOne(s, autostartDue) is { } fsPool)
                    {
                        fsPools.Add(fsPool);
                    }
                });
            }
            catch (Exception e)
            {
                _log.Error(e, "Cannot load the stored definitions of {Directory}", _store.Directory);
                throw;
            }
            finally
            {
                _registry.EndLoading();
            }
            _log.Information("Loaded {Pools} pools and {FsPools} fspools; starting {Starting} of them",
                _pools.All().Count, _fsPools.All().Count, pools.Count + fsPools.Count);
            _fsPools.StartAll(fsPools, workers, cancellation);
            _pools.StartAll(pools, workers, cancellation);
            return pools.Count + fsPools.Count;
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>Every pool's name, sorted as <see cref="ListPools"/> sorts; while the stored
    /// definitions load, the names the store lists, at once (a damaged one disappears when its
    /// file is set aside).</summary>
    public IReadOnlyList<string> ListPoolNames() => _registry.Names(DefinitionKind.Pool);

    /// <summary>Whether a pool of that name exists (the answer of <see cref="ListPoolNames"/>);
    /// never starts it, never waits for the load.</summary>
    public bool PoolExists(string name) => _registry.Contains(DefinitionKind.Pool, name);

    /// <summary><see cref="ListPoolNames"/> for fspools.</summary>
    public IReadOnlyList<string> ListFsPoolNames() => _registry.Names(DefinitionKind.FsPool);

    /// <summary><see cref="PoolExists"/> for fspools.</summary>
    public bool FsPoolExists(string name) => _registry.Contains(DefinitionKind.FsPool, name);

    /// <summary>
    /// The content check to give <see cref="DefinitionStore"/> as its <c>validate</c> callback:
    /// null when the stored document parses as the driver parses it (libvirt's XML rules and
    /// StorageFs's name rules), else why not, so the store sets the file aside at load.
    /// Policy and backends are not checked here: a definition they refuse stays visible (and
    /// can be undefined) but does not start.
    /// </summary>
    // What ValidateStored parsed, by the very string it checked (the store hands that string on
    // in its StoredDefinition): the loader takes it instead of parsing the document again
    // (10,000 pools: each parse is CPU the mount waits for, docs/PERFORMANCE.md). Weak keys: an
    // entry lives as long as the document string does.
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<string, object> s_checkedAtLoad = new();

    /// <summary>The definition <see cref="ValidateStored"/> parsed from this very string, taken once; null when there is none.</summary>
    internal static T? TakeCheckedAtLoad<T>(string xml)
        where T : class =>
        s_checkedAtLoad.TryGetValue(xml, out object? def) && s_checkedAtLoad.Remove(xml) ? def as T : null;

    public static string? ValidateStored(DefinitionKind kind, string xml)
    {
        try
        {
            if (kind == DefinitionKind.Pool)
            {
                var def = Xml.PoolXml.Parse(xml);
                Names.NameRules.Validate(Names.NameKind.Pool, def.Name);
                s_checkedAtLoad.AddOrUpdate(xml, def);
            }
            else
            {
                var def = Xml.FsPoolXml.Parse(xml);
                Names.NameRules.Validate(Names.NameKind.FsPool, def.Name);
                s_checkedAtLoad.AddOrUpdate(xml, def);
            }
            return null;
        }
        catch (StorageException e)
        {
            return e.Message;
        }
    }

    private bool TakeAutostartTurn()
    {
        if (_options.RuntimeDirectory is not { } dir)
        {
            return true;
        }
        var marker = Path.Combine(dir, AutostartMarker);
        try
        {
            Directory.CreateDirectory(dir);
            using var _ = new FileStream(marker, FileMode.CreateNew, FileAccess.Write);
            return true;
        }
        catch (IOException) when (File.Exists(marker))
        {
            _log.Information("Autostart already ran since boot ({Marker} exists); restoring intended states only", marker);
            return false;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _log.Error(e, "Cannot write the autostart marker {Marker}; running autostart", marker);
            return true;
        }
    }

    private void Raise(StorageEventArgs e)
    {
        var handlers = Changed;
        if (handlers is null)
        {
            return;
        }
        foreach (var handler in handlers.GetInvocationList().Cast<EventHandler<StorageEventArgs>>())
        {
            try
            {
                handler(this, e);
            }
            catch (Exception ex)
            {
                _log.Error(ex, "A handler of storage event {Event} failed", e.ToString());
            }
        }
    }
}
