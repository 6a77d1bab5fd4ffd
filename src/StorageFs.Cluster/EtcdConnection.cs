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
