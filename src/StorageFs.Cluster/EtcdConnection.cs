using Grpc.Net.Client;

namespace StorageFs.Cluster;

/// <summary>
/// The gRPC channels to the configured etcd endpoints (etcd v3's API, through dotnet-etcd's
/// generated clients) and the one in use; <see cref="Rotate"/> moves to the next endpoint after
/// a failure, so any member of a multi-member store serves.
/// </summary>
internal sealed class EtcdConnection : IDisposable
{
    private readonly GrpcChannel[] _channels;
    private readonly string[] _endpoints;
    private int _current;

    public EtcdConnection(IReadOnlyList<string> endpoints)
    {
        _endpoints = [.. endpoints.Select(ClusterOptions.EndpointUri)];
        _channels = [.. _endpoints.Select(e => GrpcChannel.ForAddress(e, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler
            {
                ConnectTimeout = TimeSpan.FromSeconds(2),
                KeepAlivePingDelay = TimeSpan.FromSeconds(2),
                KeepAlivePingTimeout = TimeSpan.FromSeconds(2),
                KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
                EnableMultipleHttp2Connections = true,
            },
        }))];
    }

    private GrpcChannel Channel => _channels[Volatile.Read(ref _current) % _channels.Length];

    /// <summary>The endpoint in use.</summary>
    public string Endpoint => _endpoints[Volatile.Read(ref _current) % _endpoints.Length];

    public KV.KVClient Kv => new(Channel);

    public Lease.LeaseClient Leases => new(Channel);

    public Watch.WatchClient Watches => new(Channel);

    public Maintenance.MaintenanceClient Maintenance => new(Channel);

    public void Rotate() => Interlocked.Increment(ref _current);

    /// <summary>
    /// Runs a request for a user's command (<paramref name="call"/> must take its client and
    /// deadline afresh); while the store cannot answer it (Unavailable: the member in use died
    /// or the link to it is gone; DeadlineExceeded: the members are electing a new leader after
    /// losing theirs, and a surviving member holds the request until there is one, which can
    /// outlast the call's own deadline) it runs again on the next endpoint, after a short pause,
    /// for up to 5 s. So a store that lost one member still answers. Only compare-and-set
    /// transactions and reads go through this: one that was applied before its answer was lost
    /// then fails its comparison, and is never applied twice.
    /// </summary>
    public T Once<T>(Func<T> call)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        for (int attempt = 0; ; attempt++)
        {
            int used = Volatile.Read(ref _current);
            try
            {
                return call();
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded && _endpoints.Length > 1 && DateTime.UtcNow < deadline)
            {
                Interlocked.CompareExchange(ref _current, used + 1, used);
                if (attempt > 0)
                    Thread.Sleep(TimeSpan.FromMilliseconds(Math.Min(200 * attempt, 1000)));
            }
        }
    }

    /// <summary>Call options with a deadline <paramref name="seconds"/> from now.</summary>
    public static CallOptions Within(double seconds, CancellationToken cancellation = default) =>
        new(deadline: DateTime.UtcNow.AddSeconds(seconds), cancellationToken: cancellation);

    public static ByteString Bytes(string s) => ByteString.CopyFromUtf8(s);

    public void Dispose()
    {
        foreach (var c in _channels)
            c.Dispose();
    }
}
