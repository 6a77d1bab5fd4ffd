using System.Diagnostics;
using System.Globalization;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;

// usage: ClusterLoad ENDPOINT HOSTS OPENS_PER_HOST_PER_SECOND SECONDS [HOLD_MS]
// Each simulated host does what a StorageFs member does: one membership lease renewed every
// TTL/3 (TTL 10 s), one watch on the whole cluster prefix, and volume opens for writing at the
// given rate, each a lease take (a transaction) and, HOLD_MS later, a release (a transaction).
// Prints etcd writes per second, watch events per host per second and the take latency.
string endpoint = args[0];
int hosts = int.Parse(args[1], CultureInfo.InvariantCulture);
double rate = double.Parse(args[2], CultureInfo.InvariantCulture);
int seconds = int.Parse(args[3], CultureInfo.InvariantCulture);
int holdMs = args.Length > 4 ? int.Parse(args[4], CultureInfo.InvariantCulture) : 200;
string prefix = $"/storagefs/load{Environment.ProcessId}/";
static ByteString B(string s) => ByteString.CopyFromUtf8(s);
static string End(string p) => p[..^1] + (char)(p[^1] + 1);

using var channel = GrpcChannel.ForAddress(endpoint);
long writes = 0, events = 0, takes = 0;
var latencies = new System.Collections.Concurrent.ConcurrentBag<double>();
using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
var tasks = new List<Task>();
for (int h = 0; h < hosts; h++)
{
    int host = h;
    tasks.Add(Task.Run(async () =>
    {
        var kv = new KV.KVClient(channel);
        var leases = new Lease.LeaseClient(channel);
        long lease = (await leases.LeaseGrantAsync(new LeaseGrantRequest { TTL = 10 })).ID;
        await kv.PutAsync(new PutRequest { Key = B($"{prefix}alive/h{host}"), Value = B("{}"), Lease = lease });
        Interlocked.Increment(ref writes);
        using var watch = new Watch.WatchClient(channel).Watch(cancellationToken: stop.Token);
        await watch.RequestStream.WriteAsync(new WatchRequest { CreateRequest = new WatchCreateRequest { Key = B(prefix), RangeEnd = B(End(prefix)), PrevKv = true } });
        var reader = Task.Run(async () =>
        {
            try
            {
                while (await watch.ResponseStream.MoveNext(stop.Token))
                    Interlocked.Add(ref events, watch.ResponseStream.Current.Events.Count);
            }
            catch (Exception e) when (e is OperationCanceledException or RpcException) { }
        });
        using var keep = leases.LeaseKeepAlive(cancellationToken: stop.Token);
        var keeper = Task.Run(async () =>
        {
            try
            {
                while (!stop.IsCancellationRequested)
                {
                    await keep.RequestStream.WriteAsync(new LeaseKeepAliveRequest { ID = lease });
                    await keep.ResponseStream.MoveNext(stop.Token);
                    await Task.Delay(3333, stop.Token);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or RpcException) { }
        });
        var random = new Random(host);
        try
        {
            int n = 0;
            while (!stop.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromSeconds(-Math.Log(1 - random.NextDouble()) / rate), stop.Token);
                string key = $"{prefix}leases/pool/h{host}v{n++ % 50}";
                var clock = Stopwatch.StartNew();
                var put = new RequestOp { RequestPut = new PutRequest { Key = B(key), Value = B($"{{\"host\":\"h{host}\",\"pid\":1}}"), Lease = lease } };
                var take = await kv.TxnAsync(new TxnRequest
                {
                    Compare = { new Compare { Key = B(key), Target = Compare.Types.CompareTarget.Create, Result = Compare.Types.CompareResult.Equal, CreateRevision = 0 } },
                    Success = { put },
                });
                latencies.Add(clock.Elapsed.TotalMilliseconds);
                Interlocked.Increment(ref takes);
                if (take.Succeeded)
                    Interlocked.Increment(ref writes);
                _ = Task.Delay(holdMs).ContinueWith(async _ =>
                {
                    await kv.TxnAsync(new TxnRequest
                    {
                        Compare = { new Compare { Key = B(key), Target = Compare.Types.CompareTarget.Lease, Result = Compare.Types.CompareResult.Equal, Lease = lease } },
                        Success = { new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = B(key) } } },
                    });
                    Interlocked.Increment(ref writes);
                }, TaskScheduler.Default);
            }
        }
        catch (OperationCanceledException) { }
        await reader;
        await keeper;
        await leases.LeaseRevokeAsync(new LeaseRevokeRequest { ID = lease });
    }));
}
await Task.WhenAll(tasks);
var sorted = latencies.OrderBy(x => x).ToArray();
double P(double q) => sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)(q * sorted.Length))];
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"hosts={hosts} opens/host/s={rate} seconds={seconds} takes={takes} etcd-writes/s={writes / (double)seconds:F1} " +
    $"watch-events/host/s={events / (double)seconds / hosts:F1} take-ms p50={P(0.5):F2} p90={P(0.9):F2} p99={P(0.99):F2}"));
