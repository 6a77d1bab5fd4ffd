using StorageFs.Core.Backend;
using StorageFs.Core.Model;
using StorageFs.Core.Persistence;

namespace StorageFs.Core.Driver;

/// <summary>
/// One pool's live state (libvirt's <c>virStoragePoolObj</c>, src/conf/virstorageobj.c).
/// Every field is guarded by <see cref="Gate"/>; the gate is never held while a backend or
/// another pool's gate is called, and the registry lock is never taken while holding it.
/// <see cref="Starting"/> marks a lifecycle step running outside the gate (libvirt's
/// <c>starting</c>), <see cref="AsyncJobs"/> counts volume jobs (libvirt's <c>asyncjobs</c>).
/// </summary>
internal sealed class PoolEntry<TDef, TChild> : IPoolEntry
    where TDef : class
    where TChild : class
{
    private volatile TDef _def;
    private volatile TDef? _pending;
    private volatile bool _active;
    private volatile bool _starting;
    private volatile bool _removed;
    private volatile DeferredStart? _deferred;

    public PoolEntry(DefinitionKind kind, TDef def, string name, Guid uuid)
    {
        Kind = kind;
        _def = def;
        Name = name;
        Uuid = uuid;
    }

    public Lock Gate { get; } = new();

    public DefinitionKind Kind { get; }

    public string Name { get; }

    public Guid Uuid { get; }

    public TDef Def { get => _def; set => _def = value; }

    public TDef? Pending { get => _pending; set => _pending = value; }

    public object Definition => _def;

    public object? PendingDefinition => _pending;

    public bool Persistent { get; set; }

    public bool Autostart { get; set; }

    public PoolState State { get; set; }

    public bool IsActive { get => _active; set => _active = value; }

    public bool Starting { get => _starting; set => _starting = value; }

    public bool IsStarting => _starting;

    public bool Removed { get => _removed; set => _removed = value; }

    public int AsyncJobs { get; set; }

    /// <summary>Set at load for a pool meant to run, until its start has run; every lookup of
    /// the pool runs or waits for it first (<see cref="PoolLifecycle{TDef, TChild}.Get"/>).</summary>
    public DeferredStart? Deferred { get => _deferred; set => _deferred = value; }

    public PoolSizes Sizes { get; set; }

    /// <summary>Under the gate: the pool's numbers after a child's allocation changed by
    /// <paramref name="allocationDelta"/>, as libvirt adjusts them in memory (each kept within the capacity).</summary>
    public void AdjustSizes(long allocationDelta)
    {
        var s = Sizes;
        ulong allocation = allocationDelta >= 0
            ? s.Allocation + (ulong)allocationDelta
            : s.Allocation - Math.Min(s.Allocation, (ulong)(-allocationDelta));
        ulong available = allocationDelta >= 0
            ? s.Available - Math.Min(s.Available, (ulong)allocationDelta)
            : s.Available + (ulong)(-allocationDelta);
        Sizes = new PoolSizes(s.Capacity, Math.Min(allocation, s.Capacity), Math.Min(available, s.Capacity));
    }

    public StoragePermissions? TargetPermissions { get; set; }

    public IReadOnlyList<string> Problems { get; set; } = [];

    /// <summary>When (UTC) the backend began reading the children the entry holds now (the last start or refresh).</summary>
    public DateTime ReadSince { get; set; }

    public Dictionary<string, ChildEntry<TChild>> Children { get; } = new(StringComparer.Ordinal);

    /// <summary>While a refresh runs outside the gate: the names of children changed meanwhile,
    /// whose current state wins over what the refresh read.</summary>
    public HashSet<string>? Touched { get; set; }

    /// <summary>Counts changes to <see cref="Children"/> made through the driver (every
    /// <see cref="Touch"/>): a reader of the host that ran outside the gate compares it to know
    /// whether the driver changed a child meanwhile.</summary>
    public long ChildVersion { get; private set; }

    /// <summary>Under the gate, after changing child <paramref name="name"/>.</summary>
    public void Touch(string name)
    {
        ChildVersion++;
        ListingChanged();
        Touched?.Add(name);
    }

    private static long s_listingVersions;

    /// <summary>
    /// Changes whenever the set of children or what a listing shows of one may have changed
    /// (every <see cref="Touch"/>, a refresh that read another set, a stop), to a number no entry
    /// of any pool had before: a reader that keeps a listing (the kernel's readdir cache) compares
    /// it instead of the listing itself. Read and changed under the gate.
    /// </summary>
    public long ListingVersion { get; private set; } = Interlocked.Increment(ref s_listingVersions);

    /// <summary>Under the gate, when <see cref="Children"/> changed other than by <see cref="Touch"/>.</summary>
    public void ListingChanged() => ListingVersion = Interlocked.Increment(ref s_listingVersions);
}
