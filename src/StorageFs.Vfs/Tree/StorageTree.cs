using System.Globalization;
using Serilog;
using StorageFs.Core;
using StorageFs.Core.Backend;
using StorageFs.Core.Driver;
using StorageFs.Core.Persistence;
using StorageFs.Core.Secrets;

namespace StorageFs.Vfs.Tree;

/// <summary>
/// The <c>/storage</c> tree (docs/TREE.md): maps the driver onto engine nodes. Content and
/// controls live in parallel directories (<c>volumes/</c> beside <c>vol/</c>, <c>items/</c>
/// beside <c>item/</c>), so no object name is reserved (docs/ARCHITECTURE.md, "Design decisions").
/// Every info and xml file is rendered from
/// the driver at open; the driver's events feed the <c>events</c> file and kernel cache
/// invalidation, so changes made by other processes show at once.
/// </summary>
public sealed class StorageTree
{
    private readonly ILogger _log;

    /// <summary>The tree's logger, for work it hands to other threads.</summary>
    internal ILogger Log => _log;
    private readonly NotifyQueue _notify = new();
    private readonly NodeCache<VDir> _poolDirs = new();
    private readonly NodeCache<VolumesDir> _volumes = new();
    private readonly NodeCache<VDir> _fsPoolDirs = new();
    private readonly NodeCache<ItemsDir> _items = new();
    private readonly NodeCache<(string FsPool, string Item), VDir> _itemControls = new();
    private readonly NodeCache<VSymlink> _uuids = new();
    private readonly NodeCache<VDir> _jobs = new();
    private readonly NodeCache<VDir> _secretDirs = new();

    /// <summary>Whether volumes/ readers stat what they list (a listing's first reply then carries attributes).</summary>
    internal VolumeReaders VolumeReaders { get; } = new();

    /// <summary>How long the kernel may cache names and attributes inside items (the configuration's itemCacheSeconds).</summary>
    public TimeSpan ItemTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <param name="driver">The storage driver the tree shows.</param>
    /// <param name="logger">The daemon's logger.</param>
    /// <param name="secrets">The secret store <c>secrets/</c> shows (the one the backends were
    /// given); an empty one in memory when null.</param>
    public StorageTree(StorageDriver driver, ILogger logger, SecretDriver? secrets = null)
    {
        Driver = driver;
        Secrets = secrets ?? new SecretDriver(logger: logger);
        _log = logger.ForContext<StorageTree>();
        Refused = Refuse;
        VolumePanel = new PoolDirs.VolumePanelSpecs(this);
        PoolPanel = new PoolDirs.PoolPanelSpecs(this);
        Pools = new VDir(Modes.DirReadOnly)
        {
            Path = "pools",
            Refused = Refused,
            Hint = "define a pool by writing a <pool> document to define, remove one with 'undefine NAME' in pools/NAME/ctl",
            // Names only: listing or looking up pools/NAME neither starts a pool still queued at
            // load nor waits for the stored definitions to load (an ls of pools/ right after
            // the mount answered only once every pool had started, docs/PERFORMANCE.md).
            List = _ => Driver.ListPoolNames(),
            Find = (_, n) => Driver.PoolExists(n) ? PoolDir(n) : null,
        };
        FsPools = new VDir(Modes.DirReadOnly)
        {
            Path = "fspools",
            Refused = Refused,
            Hint = "define an fspool by writing an <fspool> document to define, remove one with 'undefine NAME' in fspools/NAME/ctl",
            List = _ => Driver.ListFsPoolNames(),
            Find = (_, n) => Driver.FsPoolExists(n) ? FsPoolDir(n) : null,
        };
        var byUuid = new VDir(Modes.DirReadOnly)
        {
            Path = "by-uuid",
            Refused = Refused,
            Hint = "its links follow the pools and fspools",
            List = _ => UuidTargets().Keys,
            Find = (_, u) => UuidTargets().TryGetValue(u, out string? target) ? UuidLink(u, target) : null,
        };
        var jobs = new VDir(Modes.DirReadOnly)
        {
            Path = "jobs",
            Refused = Refused,
            Hint = "jobs come and go with long operations; stop one with 'cancel' in jobs/ID/ctl",
            List = _ => Driver.Jobs.List().Select(j => j.Id.ToString(CultureInfo.InvariantCulture)),
            Find = (_, id) => long.TryParse(id, CultureInfo.InvariantCulture, out long n) && Driver.Jobs.Find(n) is { } job
                ? _jobs.Get(id, _ => JobDirs.Job(this, job))
                : null,
        };
        Root = Dir("")
            .Add("define", Text("define", Modes.WriteOnly, null, (_, doc) => Define(doc, transient: false), WriteKind.Document))
            .Add("create", Text("create", Modes.WriteOnly, null, (_, doc) => Define(doc, transient: true), WriteKind.Document))
            .Add("capabilities", Text("capabilities", Modes.ReadOnly, _ => Capabilities.Render(Driver)))
            .Add("node", Text("node", Modes.ReadOnly, _ => NodeText.Render(Driver)))
            .Add("errors", Text("errors", Modes.ReadOnly, ctx => Errors.Render(ctx.Uid)))
            .Add("events", new EventsFile(Events, Errors))
            .Add("by-uuid", byUuid)
            .Add("jobs", jobs)
            .Add("pools", Pools)
            .Add("fspools", FsPools)
            .Add("secrets", SecretsDir = SecretDirs.Secrets(this, FindSecret));
        Driver.Changed += OnChanged;
        Secrets.Changed += OnSecretChanged;
        if (Driver.Cluster is { } cluster)
        {
            Root.Add("cluster", ClusterDirs.Create(this, cluster));
            cluster.Event += OnClusterEvent;
        }
    }

    // A cluster event (any host's) in the events stream, with its host.
    private void OnClusterEvent(object? sender, Core.Cluster.ClusterEventArgs e) =>
        Events.Publish(e.Name, e.Object, [("host", e.Host), .. e.Extra]);

    public StorageDriver Driver { get; }

    /// <summary>The secret store shown in <c>secrets/</c>.</summary>
    public SecretDriver Secrets { get; }

    internal VDir SecretsDir { get; }

    public VDir Root { get; }

    public ErrorLog Errors { get; } = new();

    public EventLog Events { get; } = new();

    internal VDir Pools { get; }

    internal VDir FsPools { get; }

    /// <summary>Starts sending kernel cache invalidations once the mount is up.</summary>
    public void Attach(Notifier notifier)
    {
        _notify.Attach(notifier);
        Real.RealReclaim.Attach(notifier, _log);
        Real.RealStatahead.Start();
    }

    internal TextFile Text(string path, uint mode, Func<RequestContext, string>? render,
        Func<RequestContext, string, string>? apply = null, WriteKind kind = WriteKind.Command, string? usage = null) =>
        new(path, mode, render, apply is null ? null : (ctx, input) => Settled(() => apply(ctx, input)), kind, Errors, usage);

    /// <summary>
    /// The spec of a file kind shared by many subjects (<see cref="TextFileSpec"/>); its path in
    /// error records is the subject's <see cref="IPlace.At"/> plus <paramref name="leaf"/>.
    /// </summary>
    internal TextFileSpec Spec<T>(string leaf, uint mode, Func<RequestContext, T, string>? render,
        Func<RequestContext, T, string, string>? apply = null, WriteKind kind = WriteKind.Command, string? usage = null)
        where T : class, IPanelSubject =>
        new(mode,
            render is null ? null : (ctx, subject) => render(ctx, (T)subject!),
            apply is null ? null : (ctx, subject, input) => Settled(() => apply(ctx, (T)subject!, input)),
            kind, Errors, usage, subject => ((T)subject!).At + "/" + leaf);

    /// <summary>Runs a command; the kernel forgets the names and attributes it changed before the
    /// write returns (a control file's write holds no directory lock).</summary>
    private string Settled(Func<string> apply)
    {
        try
        {
            return apply();
        }
        finally
        {
            _notify.Settle(TimeSpan.FromSeconds(1));
        }
    }

    /// <summary>The one <see cref="Refusal"/> every directory of the tree records refusals through.</summary>
    internal Refusal Refused { get; }

    /// <summary>The specs of a volume's control files (vol/V/), shared by every volume.</summary>
    internal PoolDirs.VolumePanelSpecs VolumePanel { get; }

    /// <summary>The specs of a pool's control files (pools/P/), shared by every pool.</summary>
    internal PoolDirs.PoolPanelSpecs PoolPanel { get; }

    /// <summary>A fixed directory at <paramref name="path"/> whose refused changes are recorded in <c>errors</c>.</summary>
    internal VDir Dir(string path, string? hint = null) => new(Modes.DirReadOnly) { Path = path, Refused = Refused, Hint = hint };

    /// <summary>A directory whose path <paramref name="place"/> says when asked (one per volume: no string held).</summary>
    internal VDir Dir(IPlace place, string? hint = null) => new(Modes.DirReadOnly) { Place = place, Refused = Refused, Hint = hint };

    internal void Refuse(RequestContext ctx, string op, string path, Errno errno, string message) => Fail(ctx, op, path, errno, message);

    /// <summary>
    /// Records an open the engine refused for the caller's open-handle limit (FuseServerOptions'
    /// MaxHandles*): <c>op=open|opendir|create</c>, errno EMFILE or ENFILE. Not logged here: the
    /// engine logs the first refusal per uid and minute, the error log keeps each.
    /// </summary>
    public void RecordHandleRefusal(RequestContext ctx, HandleRefusal refusal)
    {
        string at = refusal.Node switch
        {
            FixedDir d => d.Where,
            TextNode t => t.Path,
            VolumeFile v => $"pools/{v.Pool}/volumes/{v.Name}",
            VolumeDirNode d => d.Where,
            _ => "",
        };
        if (refusal.Name is not null)
            at = at.Length == 0 ? refusal.Name : at + "/" + refusal.Name;
        Errors.Add(ctx, refusal.Op, at.Length == 0 ? "-" : at, refusal.Errno, refusal.Message);
    }

    /// <summary>Records a refused operation for <c>errors</c> and returns its errno.</summary>
    internal Errno Fail(RequestContext ctx, string op, string path, Errno errno, string message)
    {
        Errors.Add(ctx, op, path, errno, message);
        _log.Information("{Op} {Path} refused: {Errno} {Message}", op, path, errno, message);
        return errno;
    }

    private IEnumerable<PoolInfo> AllPools() => Driver.ListPools().Concat(Driver.ListFsPools());

    /// <summary>The by-uuid link as it is now: one node per uuid and target (see <see cref="VSymlink"/>: a cached target goes with its node).</summary>
    private VSymlink UuidLink(string uuid, string target) => _uuids.Get(uuid + " " + target, _ => new VSymlink(() => target));

    // by-uuid/'s links, uuid → target, made from the pools at the first need and dropped at
    // every change of a pool (OnChanged): a listing's lookup of each entry scanned every pool
    // (10,000 pools: 10^8 uuids formatted for one ls -l of by-uuid/).
    private Dictionary<string, string>? _uuidTargets;
    private long _poolChanges;

    private Dictionary<string, string> UuidTargets()
    {
        if (Volatile.Read(ref _uuidTargets) is { } made)
            return made;
        long changes = Interlocked.Read(ref _poolChanges);
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var p in AllPools())
            map[p.Uuid.ToString("D", CultureInfo.InvariantCulture)] = (p.Kind == DefinitionKind.FsPool ? "../fspools/" : "../pools/") + p.Name;
        // Kept only if no pool changed while it was made (else the next need makes it again).
        if (Interlocked.Read(ref _poolChanges) == changes)
            Interlocked.CompareExchange(ref _uuidTargets, map, null);
        return map;
    }

    private VDir PoolDir(string name) =>
        _poolDirs.Get(name, n => PoolDirs.Pool(this, n, Volumes(n)));

    private VDir FsPoolDir(string name) =>
        _fsPoolDirs.Get(name, n => PoolDirs.FsPool(this, n, _items.Get(n, p => new ItemsDir(this, p))));

    /// <summary>A volume's control directory, <c>pools/P/vol/V/</c> (kept beside its volumes/ node: <see cref="VolumesDir.Control"/>).</summary>
    internal VolumeControlDir VolumeControl(string pool, string name) => Volumes(pool).Control(name);

    private VolumesDir Volumes(string pool) => _volumes.Get(pool, p => new VolumesDir(this, p));

    /// <summary>
    /// Has the pools that follow <paramref name="pool"/> in ordinal order (as <c>ls -lR</c> and a
    /// shell glob visit them in the C locale) read ahead, <paramref name="count"/> of them:
    /// <c>ls -lR</c> of many small pools then finds their volumes warm when it gets there.
    /// </summary>
    internal void ReadAheadPoolsAfter(string pool, int count)
    {
        var order = Volatile.Read(ref _poolsInOrder);
        long now = Environment.TickCount64;
        string[] sorted = order.Names;
        if (now - order.At > 5000)
        {
            // Sorted again only when the pools changed: the driver hands out the same name
            // objects in the same order while they stay, so a reference comparison (O(n), no
            // string compared) spares the ring thread a 10,000-name sort every 5 s.
            IReadOnlyList<string> names = Driver.ListPoolNames();
            if (!SameNames(names, order.Source))
            {
                sorted = [.. names];
                Array.Sort(sorted, StringComparer.Ordinal);
            }
            Volatile.Write(ref _poolsInOrder, new PoolOrder(now, sorted, names));
        }
        int i = Array.BinarySearch(sorted, pool, StringComparer.Ordinal);
        for (int k = i + 1; i >= 0 && k < sorted.Length && k <= i + count; k++)
            Volumes(sorted[k]).ReadAhead();
    }

    private static bool SameNames(IReadOnlyList<string> a, IReadOnlyList<string> b)
    {
        if (a.Count != b.Count)
            return false;
        for (int i = 0; i < a.Count; i++)
        {
            if (!ReferenceEquals(a[i], b[i]))
                return false;
        }
        return true;
    }

    // The pools' names sorted, the driver's list they came from, and when it was read (at most every 5 s).
    private PoolOrder _poolsInOrder = new(long.MinValue / 2, [], []);

    private sealed record PoolOrder(long At, string[] Names, IReadOnlyList<string> Source);

    internal VDir ItemControl(string fspool, string name) => _itemControls.Get((fspool, name), k => PoolDirs.Item(this, k.FsPool, k.Item));

    // The driver decides what the document is and whether a transient one is built first
    // ("built if needed", docs/TREE.md: only types whose build is a mkdir).
    private string Define(string doc, bool transient)
    {
        PoolInfo info = Driver.Define(doc, transient);
        string kind = info.Kind == DefinitionKind.FsPool ? "fspool" : "pool";
        return string.Create(CultureInfo.InvariantCulture, $"ok {(transient ? "created" : "defined")} {kind} {info.Name} {info.Uuid:D}");
    }

    // The boundary where the driver's errors cross into the tree (docs/ARCHITECTURE.md, "The
    // tree": errors). Core throws StorageException; the engine takes an errno from every node
    // operation (its lookup and open-handle counts are undone on an error return, not on an
    // exception), so each operation that calls the driver enters through one of these three:
    // a change (its refusal recorded in errors), a question (a lookup, stat or listing: the errno
    // answers, nothing recorded), or a quiet read whose failure is logged and replaced.

    /// <summary>Runs a change the caller asked for; a refusal is answered with its errno
    /// (<see cref="ErrnoMap"/>) and recorded in <c>errors</c> under <paramref name="op"/> and
    /// <paramref name="path"/>, its message after "<paramref name="what"/>: " when given.</summary>
    internal Errno Change(RequestContext ctx, string op, string path, Action change, string? what = null)
    {
        try
        {
            change();
            return Errno.Ok;
        }
        catch (StorageException e)
        {
            return Fail(ctx, op, path, ErrnoMap.From(e), what is null ? e.Message : $"{what}: {e.Message}");
        }
    }

    /// <summary>As <see cref="Change(RequestContext, string, string, Action)"/> for a change that
    /// may refuse with an errno of its own (recorded by the change itself).</summary>
    internal Errno Change(RequestContext ctx, string op, string path, Func<Errno> change)
    {
        try
        {
            return change();
        }
        catch (StorageException e)
        {
            return Fail(ctx, op, path, e);
        }
    }

    /// <summary>Records a refusal of the driver's for <c>errors</c> and returns its errno.</summary>
    internal Errno Fail(RequestContext ctx, string op, string path, StorageException e) =>
        Fail(ctx, op, path, ErrnoMap.From(e), e.Message);

    /// <summary>Asks the driver for what a lookup, stat or listing answers; a refusal is the
    /// errno (a pool gone: ENOENT; one with code <paramref name="absent"/> too), not recorded:
    /// names come and go.</summary>
    internal static Errno Ask<T>(Func<T> ask, out T? answer, ErrorCode? absent = null) =>
        Ask(ask, static a => a(), out answer, absent);

    /// <summary>As <see cref="Ask{T}(Func{T}, out T, ErrorCode?)"/> for a hot path: a static
    /// question with its state, so nothing is allocated per call.</summary>
    internal static Errno Ask<TState, T>(TState state, Func<TState, T> ask, out T? answer, ErrorCode? absent = null)
    {
        try
        {
            answer = ask(state);
            return Errno.Ok;
        }
        catch (StorageException e)
        {
            answer = default;
            return e.Code == absent ? Errno.ENOENT : ErrnoMap.From(e);
        }
    }

    /// <summary>Lists a pool's children for a directory listing: a stopped pool lists empty
    /// (logged); any other refusal is the listing's errno, not recorded.</summary>
    internal Errno Listing<T>(string where, Func<IReadOnlyList<T>> list, out IReadOnlyList<T> children)
    {
        IReadOnlyList<T> read = [];
        Errno err = Listing(where, () => read = list());
        children = read;
        return err;
    }

    /// <summary>As <see cref="Listing{T}(string, Func{IReadOnlyList{T}}, out IReadOnlyList{T})"/>
    /// for a driver call that hands the children over one by one.</summary>
    internal Errno Listing(string where, Action list)
    {
        try
        {
            list();
            return Errno.Ok;
        }
        catch (StorageException e)
        {
            if (e.Code != ErrorCode.OperationInvalid)
                return ErrnoMap.From(e);
            Swallowed(where, e);
            return Errno.Ok;
        }
    }

    /// <summary>Reads what a listing or a cache check needs, or <paramref name="fallback"/> when
    /// the driver refuses (a pool gone, stopped or busy); the refusal is logged, never silent.</summary>
    internal T Quietly<T>(string where, Func<T> read, T fallback)
    {
        try
        {
            return read();
        }
        catch (StorageException e)
        {
            Swallowed(where, e);
            return fallback;
        }
    }

    /// <summary>Logs a refusal the tree answers without an error (a listing of a pool that is
    /// gone or inactive lists empty): nothing is swallowed silently.</summary>
    internal void Swallowed(string where, StorageException e) =>
        _log.Debug("{Path}: {Code} {Message}; answered without an error", where, e.Code, e.Message);

    /// <summary>Refreshes a pool for a listing without publishing a <c>refreshed</c> event.</summary>
    internal void QuietRefresh(string pool) => Driver.RefreshPoolQuietly(pool);

    private void OnChanged(object? sender, StorageEventArgs e)
    {
        if (e.Child is null)
        {
            Interlocked.Increment(ref _poolChanges);
            Volatile.Write(ref _uuidTargets, null);
        }
        bool fs = e.PoolKind == DefinitionKind.FsPool;
        string pool = (fs ? "fspools/" : "pools/") + e.Pool;
        string child = e.Child is null ? "" : (fs ? "/items/" : "/volumes/") + e.Child;
        string name = e.Kind switch
        {
            StorageEventKind.PoolDefined => "defined",
            StorageEventKind.PoolUndefined => "undefined",
            StorageEventKind.PoolStarted => "started",
            StorageEventKind.PoolStopped => "stopped",
            StorageEventKind.PoolBuilt => "built",
            StorageEventKind.PoolDeleted => "deleted",
            StorageEventKind.PoolRefreshed => "refreshed",
            StorageEventKind.PoolAutostartChanged => "autostart",
            StorageEventKind.VolumeCreated => fs ? "item-created" : "volume-created",
            StorageEventKind.VolumeDeleted => fs ? "item-deleted" : "volume-deleted",
            StorageEventKind.VolumeResized => "volume-resized",
            StorageEventKind.VolumeWiped => "volume-wiped",
            StorageEventKind.VolumeArchived => "volume-archived",
            StorageEventKind.VolumeRestored => "volume-restored",
            StorageEventKind.VolumeFilesystemResized => "volume-fs-resized",
            _ => "volume-written",
        };
        Events.Publish(name, pool + child);
        Invalidate(e, fs);
    }

    /// <summary>Tells the kernel which names and attributes the event changed.</summary>
    private void Invalidate(StorageEventArgs e, bool fs)
    {
        switch (e.Kind)
        {
            case StorageEventKind.PoolDefined or StorageEventKind.PoolUndefined:
                _notify.Entry(fs ? FsPools : Pools, e.Pool);
                if (e.Kind == StorageEventKind.PoolUndefined)
                    ForgetPool(e.Pool, fs);
                break;
            case StorageEventKind.VolumeCreated or StorageEventKind.VolumeDeleted when e.Child is not null:
                if (fs)
                {
                    if (_items.Peek(e.Pool) is { } items)
                        _notify.Entry(items, e.Child);
                    if (e.Kind == StorageEventKind.VolumeDeleted)
                    {
                        _items.Peek(e.Pool)?.Forget(e.Child);
                        _itemControls.Remove((e.Pool, e.Child));
                    }
                }
                else if (_volumes.Peek(e.Pool) is { } vols)
                {
                    _notify.Entry(vols, e.Child);
                    // A deleted volume's control directory goes with its node (a new volume of that name gets new ones).
                    if (e.Kind == StorageEventKind.VolumeDeleted)
                        vols.Forget(e.Child);
                }
                break;
            case StorageEventKind.VolumeResized or StorageEventKind.VolumeWiped or StorageEventKind.VolumeWritten
                or StorageEventKind.VolumeRestored or StorageEventKind.VolumeFilesystemResized when e.Child is not null:
                if (!fs && _volumes.Peek(e.Pool)?.Peek(e.Child) is { } file)
                    _notify.Inode(file);
                break;
        }
    }

    private VDir? FindSecret(string name) =>
        Guid.TryParseExact(name, "D", out var uuid) && uuid.ToString("D", CultureInfo.InvariantCulture) == name && Secrets.Find(uuid) is not null
            ? _secretDirs.Get(name, _ => SecretDirs.Secret(this, uuid))
            : null;

    private void OnSecretChanged(object? sender, SecretEventArgs e)
    {
        string name = e.Uuid.ToString("D", CultureInfo.InvariantCulture);
        Events.Publish(e.Kind switch
        {
            SecretEventKind.Defined => "secret-defined",
            SecretEventKind.Undefined => "secret-undefined",
            _ => "secret-value-changed",
        }, "secrets/" + name);
        if (e.Kind == SecretEventKind.ValueChanged)
            return;
        _notify.Entry(SecretsDir, name);
        if (e.Kind == SecretEventKind.Undefined)
            _secretDirs.Remove(name);
    }

    private void ForgetPool(string name, bool fs)
    {
        if (fs)
        {
            _fsPoolDirs.Remove(name);
            _items.Remove(name);
            _itemControls.RemoveWhere(k => k.FsPool == name);
        }
        else
        {
            _poolDirs.Remove(name);
            _volumes.Remove(name);
        }
    }
}
