namespace StorageFs.Cluster;

/// <summary>
/// This host's membership of a StorageFs cluster kept in etcd (docs/CLUSTER.md): a membership
/// lease renewed every third of its TTL, a mirror of the cluster's keys kept by one watch,
/// cluster-wide pools defined here as the store says, and volume write leases bound to the
/// membership lease, with fencing when the lease cannot be renewed. Files by concern: Session
/// (lease, watch, events), Pools, Leases, Render.
/// </summary>
public sealed partial class EtcdCoordinator : IClusterCoordinator, IDisposable
{
    private readonly ClusterOptions _options;
    private readonly StorageDriver _driver;
    private readonly ILogger _log;
    private readonly ClusterKeys _keys;
    private readonly EtcdConnection _conn;
    private readonly ClusterMirror _mirror = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly TimeProvider _clock = TimeProvider.System;
    private Task? _run;
    private Thread? _reconciler;
    private Timer? _fenceTimer;

    public EtcdCoordinator(ClusterOptions options, StorageDriver driver, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(driver);
        if (options.Problem() is { } problem)
            throw new ArgumentException(problem, nameof(options));
        _options = options;
        _driver = driver;
        _log = logger.ForContext<EtcdCoordinator>().ForContext("Cluster", options.Name);
        _keys = new ClusterKeys(options.Name);
        _conn = new EtcdConnection(options.Endpoints);
    }

    /// <inheritdoc/>
    public string HostName => _options.Host;

    /// <summary>The membership lease's time to live.</summary>
    public TimeSpan Ttl => TimeSpan.FromSeconds(_options.LeaseTtl);

    /// <inheritdoc/>
    public event EventHandler<ClusterEventArgs>? Event;

    /// <summary>
    /// Joins the cluster in the background: connects (retrying every half second, the next
    /// endpoint each time), takes the membership lease, catches up with the store and watches
    /// it. Until the first connection this host serves what it has stored, cluster-wide pools
    /// included (their volumes read-only: no lease can be taken).
    /// </summary>
    public void Start()
    {
        if (_run is not null)
            throw new InvalidOperationException("the cluster coordinator is already started");
        _driver.Changed += OnDriverChanged;
        _reconciler = new Thread(ReconcileLoop) { IsBackground = true, Name = "cluster-reconcile" };
        _reconciler.Start();
        _fenceTimer = new Timer(_ => CheckFence(), null, TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(200));
        _run = Task.Run(() => RunAsync(_stop.Token));
        _log.Information("Joining cluster {Cluster} as host {Host} through {Endpoints} (lease TTL {Ttl} s, fencing {Fencing})",
            _options.Name, _options.Host, _options.Endpoints, _options.LeaseTtl, _options.Fencing);
    }

    /// <summary>Leaves the cluster: revokes the membership lease (so this host's volume leases and
    /// running marks go at once, not after the TTL) and stops watching.</summary>
    public void Dispose()
    {
        _driver.Changed -= OnDriverChanged;
        _fenceTimer?.Dispose();
        var session = Volatile.Read(ref _session);
        _stop.Cancel();
        try
        {
            _run?.Wait(TimeSpan.FromSeconds(3));
        }
        catch (AggregateException)
        {
            // the loop's failure was logged where it happened
        }
        if (session is not null)
        {
            try
            {
                _conn.Leases.LeaseRevoke(new LeaseRevokeRequest { ID = session.Lease }, EtcdConnection.Within(1));
                _log.Information("Left cluster {Cluster}: lease {Lease:x} revoked", _options.Name, session.Lease);
            }
            catch (RpcException e)
            {
                _log.Warning("Cannot revoke membership lease {Lease:x} on leaving: {Error}; it lapses in {Ttl} s", session.Lease, e.Status.Detail, _options.LeaseTtl);
            }
        }
        _wake.Release();
        _reconciler?.Join(TimeSpan.FromSeconds(3));
        _conn.Dispose();
        _stop.Dispose();
    }

    private void Raise(string name, string obj, string host, params (string Key, string Value)[] extra)
    {
        var handlers = Event;
        if (handlers is null)
            return;
        var args = new ClusterEventArgs(name, obj, host, extra);
        foreach (var handler in handlers.GetInvocationList().Cast<EventHandler<ClusterEventArgs>>())
        {
            try
            {
                handler(this, args);
            }
            catch (Exception e)
            {
                _log.Error(e, "A handler of cluster event {Event} failed", name);
            }
        }
    }

    private DateTimeOffset Now => _clock.GetUtcNow();
}
