namespace StorageFs.Cluster;

public sealed partial class EtcdCoordinator
{
    private Session? _session;
    private string _storeProblem = "not connected yet";
    private DateTimeOffset _storeProblemSince = DateTimeOffset.UtcNow;
    private long _lastLease;

    /// <summary>One membership: the lease and when its last renewal was sent.</summary>
    private sealed class Session(long lease)
    {
        public long Lease { get; } = lease;
    }

    private async Task RunAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await SessionAsync(stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                string why = e is RpcException r ? $"{r.StatusCode}: {r.Status.Detail}" : e.Message;
                if (Volatile.Read(ref _session) is not null || _storeProblem != why)
                    _log.Warning("Cluster store {Endpoint}: {Error}; retrying", _conn.Endpoint, why);
                // The membership lease lives in the store, not in the connection: while its
                // renewal is not overdue, the next session resumes it on another endpoint (a
                // lost member of a 3-member store refuses nothing). Past the fence deadline this
                // host is cut off.
                if (DateTimeOffset.UtcNow.UtcTicks < Volatile.Read(ref _fenceDeadlineTicks) && Volatile.Read(ref _session) is not null)
                {
                    _conn.Rotate();
                    try
                    {
                        await Task.Delay(TimeSpan.FromMilliseconds(100), stop);
                    }
                    catch (OperationCanceledException)
                    {
                        break;
                    }
                    continue;
                }
                bool wasMember = Interlocked.Exchange(ref _session, null) is not null;
                lock (_leaseGate)
                {
                    if (wasMember || _storeProblem == "not connected yet")
                        _storeProblemSince = Now;
                    _storeProblem = why;
                }
                if (wasMember)
                    Raise("cluster-host-cut-off", "cluster", HostName, ("reason", Words(why)));
                _conn.Rotate();
            }
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500), stop);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    private async Task SessionAsync(CancellationToken stop)
    {
        var kv = _conn.Kv;
        var sent = Now;
        // A renewal that cannot reach this endpoint throws (the loop moves to the next one and
        // keeps the session); one the store answers with the lease gone starts a new membership.
        var resumed = Volatile.Read(ref _session) is { } prior && await RenewOnceAsync(prior.Lease, stop) ? prior : null;
        long lease;
        if (resumed is not null)
        {
            lease = resumed.Lease;
        }
        else
        {
            Interlocked.Exchange(ref _session, null);
            var grant = await _conn.Leases.LeaseGrantAsync(new LeaseGrantRequest { TTL = _options.LeaseTtl }, EtcdConnection.Within(3, stop));
            if (!string.IsNullOrEmpty(grant.Error))
                throw new IOException("lease grant refused: " + grant.Error);
            lease = grant.ID;
        }
        Renewed(sent);
        string address = _options.Address ?? "-";
        var member = ClusterRecords.Write(new MemberRecord(address, Now, null));
        var alive = ClusterRecords.Write(new AliveRecord(address, Environment.ProcessId, Now));
        await kv.TxnAsync(new TxnRequest
        {
            Success =
            {
                new RequestOp { RequestPut = new PutRequest { Key = EtcdConnection.Bytes(_keys.Member(HostName)), Value = EtcdConnection.Bytes(member) } },
                new RequestOp { RequestPut = new PutRequest { Key = EtcdConnection.Bytes(_keys.Alive(HostName)), Value = EtcdConnection.Bytes(alive), Lease = lease } },
            },
        }, EtcdConnection.Within(3, stop));
        RebindLeases(lease);
        var range = await kv.RangeAsync(new RangeRequest
        {
            Key = EtcdConnection.Bytes(_keys.Prefix),
            RangeEnd = EtcdConnection.Bytes(ClusterKeys.RangeEnd(_keys.Prefix)),
        }, EtcdConnection.Within(5, stop));
        long revision = range.Header.Revision;
        _mirror.Reset(range.Kvs.Select(k => (k.Key.ToStringUtf8(), new MirrorEntry(k.Value.ToStringUtf8(), k.Lease))), revision);
        long previous = Interlocked.Exchange(ref _lastLease, lease);
        Volatile.Write(ref _session, resumed ?? new Session(lease));
        lock (_leaseGate)
            _storeProblem = "";
        if (resumed is not null)
        {
            _log.Information("Membership of cluster {Cluster} resumed: lease {Lease:x}, store revision {Revision} at {Endpoint}",
                _options.Name, lease, revision, _conn.Endpoint);
        }
        else
        {
            _log.Information("Member of cluster {Cluster} as {Host}: lease {Lease:x}, store revision {Revision} at {Endpoint}",
                _options.Name, HostName, lease, revision, _conn.Endpoint);
            Raise("cluster-host-up", "cluster/hosts/" + HostName, HostName, ("revision", revision.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }
        if (previous != 0 && previous != lease)
            RevokeQuietly(previous);
        Wake();

        using var session = CancellationTokenSource.CreateLinkedTokenSource(stop);
        var keepAlive = KeepAliveAsync(lease, session.Token);
        var watch = WatchAsync(revision + 1, session.Token);
        var first = await Task.WhenAny(keepAlive, watch);
        session.Cancel();
        await first;
        throw new IOException("the cluster store's streams ended");
    }

    // One renewal of `lease` on the endpoint in use: true when the store renewed it, false when
    // the store answered that it is gone; throws when the endpoint does not answer in time.
    private async Task<bool> RenewOnceAsync(long lease, CancellationToken stop)
    {
        using var round = CancellationTokenSource.CreateLinkedTokenSource(stop);
        round.CancelAfter(TimeSpan.FromSeconds(Math.Max(1.0, _options.LeaseTtl / 3.0)));
        using var call = _conn.Leases.LeaseKeepAlive(cancellationToken: round.Token);
        await call.RequestStream.WriteAsync(new LeaseKeepAliveRequest { ID = lease }, round.Token);
        if (!await call.ResponseStream.MoveNext(round.Token))
            throw new IOException("the lease keep-alive stream ended");
        return call.ResponseStream.Current.TTL > 0;
    }

    private void RevokeQuietly(long lease)
    {
        try
        {
            _conn.Leases.LeaseRevoke(new LeaseRevokeRequest { ID = lease }, EtcdConnection.Within(1));
        }
        catch (RpcException)
        {
            // it lapses by itself; nothing is attached to it any more
        }
    }

    private async Task KeepAliveAsync(long lease, CancellationToken cancel)
    {
        var interval = TimeSpan.FromSeconds(_options.LeaseTtl / 3.0);
        using var call = _conn.Leases.LeaseKeepAlive(cancellationToken: cancel);
        while (true)
        {
            var sent = Now;
            await call.RequestStream.WriteAsync(new LeaseKeepAliveRequest { ID = lease }, cancel);
            using (var round = CancellationTokenSource.CreateLinkedTokenSource(cancel))
            {
                round.CancelAfter(interval);
                if (!await call.ResponseStream.MoveNext(round.Token))
                    throw new IOException("the lease keep-alive stream ended");
            }
            if (call.ResponseStream.Current.TTL <= 0)
                throw new IOException($"membership lease {lease:x} lapsed");
            Renewed(sent);
            await Task.Delay(interval, cancel);
        }
    }

    private async Task WatchAsync(long fromRevision, CancellationToken cancel)
    {
        using var call = _conn.Watches.Watch(cancellationToken: cancel);
        await call.RequestStream.WriteAsync(new WatchRequest
        {
            CreateRequest = new WatchCreateRequest
            {
                Key = EtcdConnection.Bytes(_keys.Prefix),
                RangeEnd = EtcdConnection.Bytes(ClusterKeys.RangeEnd(_keys.Prefix)),
                StartRevision = fromRevision,
                PrevKv = true,
            },
        }, cancel);
        while (await call.ResponseStream.MoveNext(cancel))
        {
            var response = call.ResponseStream.Current;
            if (response.Canceled)
                throw new IOException($"watch cancelled by the store: {response.CancelReason} (compacted to {response.CompactRevision})");
            if (response.Events.Count > 0)
                Apply(response.Events, response.Header.Revision);
        }
        throw new IOException("the watch stream ended");
    }

    // One watch response: the mirror first, then the events it means, then the reconciler.
    private void Apply(IReadOnlyList<Mvccpb.Event> events, long revision)
    {
        bool pools = false;
        var lapsedHosts = new List<string>();
        var leaseDeletes = new List<(string At, LeaseRecord? Holder)>();
        foreach (var e in events)
        {
            string key = e.Kv.Key.ToStringUtf8();
            var entry = e.Type == Mvccpb.Event.Types.EventType.Put ? new MirrorEntry(e.Kv.Value.ToStringUtf8(), e.Kv.Lease) : null;
            var previous = _mirror.Apply(key, entry, revision);
            if (!key.StartsWith(_keys.Prefix, StringComparison.Ordinal))
                continue;
            string rest = key[_keys.Prefix.Length..];
            string prevValue = previous?.Value ?? (e.PrevKv is null ? "" : e.PrevKv.Value.ToStringUtf8());
            if (rest.StartsWith("pools/", StringComparison.Ordinal))
            {
                pools = true;
                string pool = rest["pools/".Length..];
                if (entry is not null)
                {
                    var record = ClusterRecords.Read<PoolRecord>(entry.Value);
                    Raise(previous is null ? "cluster-pool-defined" : "cluster-pool-redefined", "pools/" + pool, record?.Host ?? "-");
                }
                else
                {
                    var by = _mirror.Get(_keys.Undefined(pool)) is { } u ? ClusterRecords.Read<UndefinedRecord>(u.Value) : null;
                    Raise("cluster-pool-undefined", "pools/" + pool, by?.Host ?? "-");
                }
            }
            else if (rest.StartsWith("running/", StringComparison.Ordinal) && rest.Split('/') is [_, var runner, var pool])
            {
                if (entry is not null && previous is null)
                    Raise("cluster-pool-started", "pools/" + pool, runner);
                else if (entry is null)
                    Raise("cluster-pool-stopped", "pools/" + pool, runner);
            }
            else if (rest.StartsWith("leases/", StringComparison.Ordinal))
            {
                string at = rest["leases/".Length..];
                if (entry is not null)
                {
                    var holder = ClusterRecords.Read<LeaseRecord>(entry.Value);
                    if (previous is null || previous.Lease != entry.Lease)
                        Raise("lease-taken", LeaseObject(at), holder?.Host ?? "-", ("pid", Pid(holder)));
                }
                else
                {
                    leaseDeletes.Add((at, ClusterRecords.Read<LeaseRecord>(prevValue)));
                }
            }
            else if (rest.StartsWith("alive/", StringComparison.Ordinal))
            {
                string host = rest["alive/".Length..];
                if (entry is null)
                {
                    lapsedHosts.Add(host);
                    Raise("cluster-host-gone", "cluster/hosts/" + host, host);
                }
                else if (previous is null && host != HostName)
                {
                    Raise("cluster-host-up", "cluster/hosts/" + host, host);
                }
            }
        }
        foreach (var (at, holder) in leaseDeletes)
        {
            // A lease goes with its host's membership lease in the same revision as alive/H.
            bool lapsed = holder is not null && _mirror.Get(_keys.Alive(holder.Host)) is null;
            Raise(lapsed ? "lease-lapsed" : "lease-released", LeaseObject(at), holder?.Host ?? "-", ("pid", Pid(holder)));
        }
        foreach (var host in lapsedHosts.Where(h => h != HostName))
            MarkGone(host);
        if (pools)
            Wake();
    }

    private static string LeaseObject(string poolSlashVolume) =>
        poolSlashVolume.IndexOf('/', StringComparison.Ordinal) is int slash and > 0
            ? $"pools/{poolSlashVolume[..slash]}/volumes/{poolSlashVolume[(slash + 1)..]}"
            : "pools/" + poolSlashVolume;

    private static string Pid(LeaseRecord? holder) =>
        holder is null ? "-" : holder.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string Words(string s) => s.Replace(' ', '_').Replace('\n', '_');

    // Records when a host's membership lapsed, once: only while its alive key is still absent.
    private void MarkGone(string host)
    {
        var known = _mirror.Get(_keys.Member(host)) is { } m ? ClusterRecords.Read<MemberRecord>(m.Value) : null;
        if (known?.Gone is not null)
            return;
        var record = ClusterRecords.Write(new MemberRecord(known?.Address ?? "-", known?.Joined ?? Now, Now));
        _ = Task.Run(async () =>
        {
            try
            {
                await _conn.Kv.TxnAsync(new TxnRequest
                {
                    Compare =
                    {
                        new Compare
                        {
                            Key = EtcdConnection.Bytes(_keys.Alive(host)),
                            Target = Compare.Types.CompareTarget.Create,
                            Result = Compare.Types.CompareResult.Equal,
                            CreateRevision = 0,
                        },
                    },
                    Success = { new RequestOp { RequestPut = new PutRequest { Key = EtcdConnection.Bytes(_keys.Member(host)), Value = EtcdConnection.Bytes(record) } } },
                }, EtcdConnection.Within(2));
            }
            catch (RpcException e)
            {
                _log.Warning("Cannot record host {Host} as gone: {Error}", host, e.Status.Detail);
            }
        });
    }
}
