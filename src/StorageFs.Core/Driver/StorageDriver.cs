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
    /// <see cref="Load"/>, returning once the definitions are loaded: the starts run on
    /// <paramref name="workers"/> background threads, and the returned task completes when
    /// they have all run (its result: how many). Until then a pool being started shows state
    /// building in listings, and any operation on it (its info, XML, volumes) first starts it
    /// on the caller's thread, or waits for the worker starting it: a daemon can answer at
    /// once, and what it answers about a pool is never half-loaded. Cancelling stops taking
    /// new pools; those left start at their first use.
    /// </summary>
    /// <exception cref="InvalidOperationException">Called twice.</exception>
    /// <exception cref="StorageException">The store cannot be read at all.</exception>
    public Task<int> BeginLoad(int workers, CancellationToken cancellation = default)
    {
        if (Interlocked.Exchange(ref _loaded, 1) != 0)
        {
            throw new InvalidOperationException("the storage driver is already loaded");
        }
        var stored = _store.Load();
        bool autostartDue = TakeAutostartTurn();
        var pools = _pools.Load(stored, autostartDue);
        var fsPools = _fsPools.Load(stored, autostartDue);
        _log.Information("Loaded {Pools} pools and {FsPools} fspools; starting {Starting} of them",
            _pools.All().Count, _fsPools.All().Count, pools.Count + fsPools.Count);
        if (pools.Count + fsPools.Count == 0)
        {
            return Task.FromResult(0);
        }
        return Task.Run(() =>
        {
            _fsPools.StartAll(fsPools, workers, cancellation);
            _pools.StartAll(pools, workers, cancellation);
            return pools.Count + fsPools.Count;
        }, CancellationToken.None);
    }

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
