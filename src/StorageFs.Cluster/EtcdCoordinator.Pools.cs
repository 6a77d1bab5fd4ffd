using StorageFs.Core.Model;
using StorageFs.Core.Xml;

namespace StorageFs.Cluster;

public sealed partial class EtcdCoordinator
{
    private readonly SemaphoreSlim _wake = new(0);
    private readonly Dictionary<string, string> _applied = new(StringComparer.Ordinal); // reconciler thread only
    private readonly HashSet<string> _publishing = new(StringComparer.Ordinal);          // under _publishGate
    private readonly Lock _publishGate = new();
    private readonly HashSet<string> _orphans = new(StringComparer.Ordinal);             // reconciler thread only

    /// <inheritdoc/>
    public void PublishPool(PoolDefinition def, string xml)
    {
        ArgumentNullException.ThrowIfNull(def);
        lock (_publishGate)
            _publishing.Add(def.Name);
        try
        {
            Publish(def, xml);
        }
        finally
        {
            lock (_publishGate)
                _publishing.Remove(def.Name);
        }
    }

    private void Publish(PoolDefinition def, string xml)
    {
        for (int attempt = 0; attempt < 5; attempt++)
        {
            RangeResponse pools;
            try
            {
                pools = _conn.Once(() => _conn.Kv.Range(new RangeRequest
                {
                    Key = EtcdConnection.Bytes(_keys.Pools),
                    RangeEnd = EtcdConnection.Bytes(ClusterKeys.RangeEnd(_keys.Pools)),
                }, EtcdConnection.Within(2)));
            }
            catch (RpcException e)
            {
                throw Unreachable("define cluster-wide pool " + def.Name, e);
            }
            var others = new List<PoolDefinition>();
            foreach (var stored in pools.Kvs)
            {
                var record = ClusterRecords.Read<PoolRecord>(stored.Value.ToStringUtf8());
                if (record is null)
                    continue;
                PoolDefinition other;
                try
                {
                    other = PoolXml.Parse(record.Xml);
                }
                catch (StorageException)
                {
                    continue;
                }
                if (other.Name == def.Name && other.Uuid != def.Uuid)
                {
                    throw new StorageException(ErrorCode.PoolExists,
                        $"pool '{def.Name}' already exists in cluster '{_options.Name}' with uuid {other.Uuid:D} (defined on host {record.Host})");
                }
                if (other.Name != def.Name && other.Uuid == def.Uuid)
                {
                    throw new StorageException(ErrorCode.PoolExists,
                        $"pool '{other.Name}' is already defined in cluster '{_options.Name}' with uuid {def.Uuid:D}");
                }
                others.Add(other);
            }
            if (StorageDriver.SharedSourceConflict(def, others) is { } conflict)
                throw new StorageException(ErrorCode.PoolExists, conflict);
            var revisionKey = EtcdConnection.Bytes(_keys.PoolsRevision);
            Mvccpb.KeyValue? current;
            try
            {
                current = _conn.Once(() => _conn.Kv.Range(new RangeRequest { Key = revisionKey }, EtcdConnection.Within(2))).Kvs.FirstOrDefault();
            }
            catch (RpcException e)
            {
                throw Unreachable("define cluster-wide pool " + def.Name, e);
            }
            var value = ClusterRecords.Write(new PoolRecord(xml, HostName, Now));
            var txn = new TxnRequest
            {
                // Nothing under pools/ changed since the read: two hosts defining pools of one
                // source at once cannot both pass the check above.
                Compare = { new Compare { Key = revisionKey, Target = Compare.Types.CompareTarget.Mod, Result = Compare.Types.CompareResult.Equal, ModRevision = current?.ModRevision ?? 0 } },
                Success =
                {
                    new RequestOp { RequestPut = new PutRequest { Key = EtcdConnection.Bytes(_keys.Pool(def.Name)), Value = EtcdConnection.Bytes(value) } },
                    new RequestOp { RequestPut = new PutRequest { Key = revisionKey, Value = EtcdConnection.Bytes(def.Name) } },
                    new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = EtcdConnection.Bytes(_keys.Undefined(def.Name)) } },
                },
            };
            try
            {
                if (_conn.Once(() => _conn.Kv.Txn(txn, EtcdConnection.Within(2))).Succeeded)
                {
                    _log.Information("Cluster-wide pool {Pool} published to cluster {Cluster}", def.Name, _options.Name);
                    return;
                }
            }
            catch (RpcException e)
            {
                throw Unreachable("define cluster-wide pool " + def.Name, e);
            }
        }
        throw new StorageException(ErrorCode.OperationFailed, $"cannot define cluster-wide pool '{def.Name}': the cluster's pools kept changing; try again", (int)Errno.EAGAIN);
    }

    /// <inheritdoc/>
    public void WithdrawPool(string name)
    {
        var value = ClusterRecords.Write(new UndefinedRecord(HostName, Now));
        try
        {
            _conn.Kv.Txn(new TxnRequest
            {
                Success =
                {
                    new RequestOp { RequestPut = new PutRequest { Key = EtcdConnection.Bytes(_keys.Undefined(name)), Value = EtcdConnection.Bytes(value) } },
                    new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = EtcdConnection.Bytes(_keys.Pool(name)) } },
                    new RequestOp { RequestPut = new PutRequest { Key = EtcdConnection.Bytes(_keys.PoolsRevision), Value = EtcdConnection.Bytes(name) } },
                },
            }, EtcdConnection.Within(2));
        }
        catch (RpcException e)
        {
            throw Unreachable("undefine cluster-wide pool " + name, e);
        }
        _log.Information("Cluster-wide pool {Pool} withdrawn from cluster {Cluster}", name, _options.Name);
    }

    private StorageException Unreachable(string what, RpcException e) =>
        new(ErrorCode.OperationFailed, $"cannot {what}: the cluster store ({_conn.Endpoint}) answered {e.StatusCode}: {e.Status.Detail}", (int)Errno.EIO);

    private void Wake() => _wake.Release();

    private void OnDriverChanged(object? sender, StorageEventArgs e)
    {
        if (e.PoolKind == Core.Persistence.DefinitionKind.Pool &&
            e.Kind is StorageEventKind.PoolStarted or StorageEventKind.PoolStopped or StorageEventKind.PoolUndefined)
            Wake();
    }

    // The reconciler: one thread makes this host's cluster-wide pools what the mirror says,
    // and the store's running/HOST/ marks what this host runs. Level-triggered: a missed wake-up
    // costs nothing, the next one sees everything.
    private void ReconcileLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            _wake.Wait(TimeSpan.FromSeconds(5));
            if (_stop.IsCancellationRequested)
                return;
            while (_wake.CurrentCount > 0)
                _wake.Wait(0);
            try
            {
                if (_mirror.Loaded)
                {
                    ReconcilePools();
                    SyncRunning();
                }
            }
            catch (Exception e)
            {
                _log.Error(e, "Cluster reconciliation failed");
            }
        }
    }

    private void ReconcilePools()
    {
        var desired = new Dictionary<string, PoolRecord>(StringComparer.Ordinal);
        foreach (var (name, entry) in _mirror.Under(_keys.Pools))
        {
            if (ClusterRecords.Read<PoolRecord>(entry.Value) is { } record)
                desired[name] = record;
        }
        foreach (var (name, record) in desired)
        {
            _orphans.Remove(name);
            if (_applied.TryGetValue(name, out var xml) && xml == record.Xml)
                continue;
            try
            {
                _driver.ApplyClusterPool(record.Xml);
                _applied[name] = record.Xml;
            }
            catch (StorageException e)
            {
                _applied[name] = record.Xml; // not retried until it changes; the event says why
                _log.Error("Cluster-wide pool {Pool} cannot be defined on this host: {Error}", name, e.Message);
                Raise("cluster-pool-refused", "pools/" + name, HostName, ("reason", Words(e.Message)));
            }
        }
        string[] publishing;
        lock (_publishGate)
            publishing = [.. _publishing];
        foreach (var name in _driver.ListClusterPools())
        {
            if (desired.ContainsKey(name) || publishing.Contains(name))
                continue;
            // Gone from the store: undefined elsewhere, now or while this host was down (the
            // store then keeps undefined/P). A pool the store never showed this daemon and has no
            // record of (an emptied or another store) is kept, and said so once.
            if (!_applied.ContainsKey(name) && _mirror.Get(_keys.Undefined(name)) is null)
            {
                if (_orphans.Add(name))
                {
                    _log.Warning("Cluster-wide pool {Pool} is not in the store of cluster {Cluster}, which has no record of its undefine: kept here; define it again to share it, or undefine it here", name, _options.Name);
                    Raise("cluster-pool-orphaned", "pools/" + name, HostName);
                }
                continue;
            }
            try
            {
                if (_driver.RemoveClusterPool(name))
                    _log.Information("Cluster-wide pool {Pool} undefined here: it left the cluster store", name);
            }
            catch (StorageException e)
            {
                _log.Error("Cluster-wide pool {Pool} left the cluster store but stays here: {Error}", name, e.Message);
            }
        }
        foreach (var name in _applied.Keys.Where(n => !desired.ContainsKey(n)).ToList())
            _applied.Remove(name);
    }

    // running/HOST/POOL for each cluster-wide pool active here, attached to the membership lease.
    private void SyncRunning()
    {
        var session = Volatile.Read(ref _session);
        if (session is null)
            return;
        var active = new HashSet<string>(_driver.ListClusterPools().Where(p => _driver.FindPool(p)?.IsActive == true), StringComparer.Ordinal);
        var marks = _mirror.Under(_keys.RunningRoot + HostName + "/").ToDictionary(r => r.Name, r => r.Entry.Lease, StringComparer.Ordinal);
        var ops = new List<RequestOp>();
        // A mark on an earlier membership lease is put again on this one.
        foreach (var pool in active.Where(p => marks.GetValueOrDefault(p) != session.Lease))
            ops.Add(new RequestOp { RequestPut = new PutRequest { Key = EtcdConnection.Bytes(_keys.Running(HostName, pool)), Lease = session.Lease } });
        foreach (var pool in marks.Keys.Where(p => !active.Contains(p)))
            ops.Add(new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = EtcdConnection.Bytes(_keys.Running(HostName, pool)) } });
        if (ops.Count == 0)
            return;
        try
        {
            var txn = new TxnRequest();
            txn.Success.AddRange(ops);
            _conn.Kv.Txn(txn, EtcdConnection.Within(2));
        }
        catch (RpcException e)
        {
            _log.Warning("Cannot record this host's running shared pools: {Error}", e.Status.Detail);
        }
    }
}
