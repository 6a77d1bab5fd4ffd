using System.Diagnostics;
using System.Globalization;

namespace StorageFs.Cluster;

public sealed partial class EtcdCoordinator
{
    // _leaseGate guards the table and is never held across a call to the store, so fencing
    // never waits for one; _takeGate orders takes and releases (each a call to the store).
    private readonly Lock _leaseGate = new();
    private readonly Lock _takeGate = new();
    private readonly Dictionary<string, HeldLease> _held = new(StringComparer.Ordinal);
    private long _fenceDeadlineTicks = long.MaxValue;

    /// <summary>A volume lease this host holds: its key, the membership lease it is attached to,
    /// and the processes that opened the volume for writing here.</summary>
    private sealed class HeldLease(string key, string pool, string volume, long lease)
    {
        public string Key { get; } = key;
        public string Pool { get; } = pool;
        public string Volume { get; } = volume;
        public long Lease { get; set; } = lease;
        public List<uint> Pids { get; } = [];
        public bool Lost { get; set; }
    }

    /// <summary>One open's share of a held lease.</summary>
    private sealed class LeaseUse(EtcdCoordinator owner, HeldLease held, uint pid) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
                owner.Release(held, pid);
        }
    }

    // A renewal sent at `sent` succeeded: the store keeps the lease at least until sent + TTL.
    // The writers are stopped a margin before that (a quarter of the TTL, at least a second),
    // so that they are gone before any other host can take their leases.
    private void Renewed(DateTimeOffset sent)
    {
        var margin = TimeSpan.FromSeconds(Math.Max(1.0, _options.LeaseTtl / 4.0));
        Volatile.Write(ref _fenceDeadlineTicks, (sent + Ttl - margin).UtcTicks);
    }

    /// <inheritdoc/>
    public IDisposable TakeVolumeLease(string pool, string volume, uint pid)
    {
        string key = _keys.Lease(pool, volume);
        lock (_takeGate)
        {
            Session session;
            lock (_leaseGate)
            {
                if (_held.TryGetValue(key, out var shared) && !shared.Lost)
                {
                    shared.Pids.Add(pid);
                    return new LeaseUse(this, shared, pid);
                }
                if (_held.ContainsKey(key))
                {
                    throw new StorageException(ErrorCode.OperationInvalid,
                        $"volume '{volume}' of pool '{pool}' lost its cluster lease on this host (fenced); close every open of it before writing again", (int)Errno.EBUSY);
                }
                session = Volatile.Read(ref _session) ?? throw new StorageException(ErrorCode.OperationInvalid,
                    $"this host is not a live member of cluster '{_options.Name}' ({_storeProblem}): volumes of cluster-wide pools open read-only only", (int)Errno.EBUSY);
            }
            if (DateTimeOffset.UtcNow.UtcTicks >= Volatile.Read(ref _fenceDeadlineTicks))
            {
                throw new StorageException(ErrorCode.OperationInvalid,
                    $"this host's membership of cluster '{_options.Name}' is not being renewed: volumes of cluster-wide pools open read-only only", (int)Errno.EBUSY);
            }
            var value = ClusterRecords.Write(new LeaseRecord(HostName, pid, Now));
            var (taken, holder) = TryTake(key, value, session.Lease);
            if (!taken)
            {
                string since = holder is null ? "" : $", since {Stamp(holder.Since)}";
                throw new StorageException(ErrorCode.Busy,
                    $"volume '{volume}' of pool '{pool}' is open for writing on host '{holder?.Host ?? "?"}' by process {Pid(holder)}{since} (cluster lease); open it read-only, or wait until it is closed there",
                    (int)Errno.EBUSY);
            }
            var held = new HeldLease(key, pool, volume, session.Lease);
            held.Pids.Add(pid);
            lock (_leaseGate)
                _held[key] = held;
            return new LeaseUse(this, held, pid);
        }
    }

    // One transaction: take the key if absent. A key of this host that no open here holds (left
    // by an earlier daemon of this host, or by a give-back the store did not answer) is taken
    // over: the caller holds _takeGate and found no entry in _held for it.
    private (bool Taken, LeaseRecord? Holder) TryTake(string key, string value, long lease)
    {
        for (int attempt = 0; attempt < 2; attempt++)
        {
            TxnResponse response;
            try
            {
                response = _conn.Once(() => _conn.Kv.Txn(new TxnRequest
                {
                    Compare = { Absent(key) },
                    Success = { new RequestOp { RequestPut = new PutRequest { Key = EtcdConnection.Bytes(key), Value = EtcdConnection.Bytes(value), Lease = lease } } },
                    Failure = { new RequestOp { RequestRange = new RangeRequest { Key = EtcdConnection.Bytes(key) } } },
                }, EtcdConnection.Within(2)));
            }
            catch (RpcException e)
            {
                throw new StorageException(ErrorCode.OperationFailed, $"cannot take the cluster lease of {key}: the cluster store answered {e.StatusCode}: {e.Status.Detail}", (int)Errno.EIO);
            }
            if (response.Succeeded)
                return (true, null);
            var kv = response.Responses[0].ResponseRange.Kvs.FirstOrDefault();
            if (kv is null)
                continue;
            var holder = ClusterRecords.Read<LeaseRecord>(kv.Value.ToStringUtf8());
            if (holder?.Host != HostName)
                return (false, holder);
            try
            {
                var over = _conn.Kv.Txn(new TxnRequest
                {
                    Compare = { new Compare { Key = EtcdConnection.Bytes(key), Target = Compare.Types.CompareTarget.Mod, Result = Compare.Types.CompareResult.Equal, ModRevision = kv.ModRevision } },
                    Success = { new RequestOp { RequestPut = new PutRequest { Key = EtcdConnection.Bytes(key), Value = EtcdConnection.Bytes(value), Lease = lease } } },
                }, EtcdConnection.Within(2));
                if (over.Succeeded)
                    return (true, null);
            }
            catch (RpcException e)
            {
                throw new StorageException(ErrorCode.OperationFailed, $"cannot take over the cluster lease of {key}: the cluster store answered {e.StatusCode}: {e.Status.Detail}", (int)Errno.EIO);
            }
        }
        return (false, null);
    }

    private static Compare Absent(string key) => new()
    {
        Key = EtcdConnection.Bytes(key),
        Target = Compare.Types.CompareTarget.Create,
        Result = Compare.Types.CompareResult.Equal,
        CreateRevision = 0,
    };

    private static Compare OnLease(string key, long lease) => new()
    {
        Key = EtcdConnection.Bytes(key),
        Target = Compare.Types.CompareTarget.Lease,
        Result = Compare.Types.CompareResult.Equal,
        Lease = lease,
    };

    // The last close of a volume here gives its lease back. A fenced (lost) lease is given back
    // too: the delete holds only while the key is still attached to the membership lease it was
    // taken under, so it never touches a key another host has taken since — and a fence that
    // came from late renewals of a membership that then survived leaves no key behind.
    private void Release(HeldLease held, uint pid)
    {
        lock (_takeGate)
        {
            long lease;
            lock (_leaseGate)
            {
                held.Pids.Remove(pid);
                if (held.Pids.Count > 0)
                    return;
                if (_held.TryGetValue(held.Key, out var current) && current == held)
                    _held.Remove(held.Key);
                lease = held.Lease;
            }
            try
            {
                _conn.Once(() => _conn.Kv.Txn(new TxnRequest
                {
                    Compare = { OnLease(held.Key, lease) },
                    Success = { new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = EtcdConnection.Bytes(held.Key) } } },
                }, EtcdConnection.Within(2)));
            }
            catch (RpcException e)
            {
                _log.Warning("Cannot release the cluster lease of volume {Volume} of pool {Pool}: {Error}; it lapses with this host's membership",
                    held.Volume, held.Pool, e.Status.Detail);
            }
        }
    }

    // A new membership lease: the volume leases held under the old one move to it, each only
    // if it is still attached to the old one (or gone and free); one taken meanwhile by
    // another host is lost, and its writers here are stopped.
    private void RebindLeases(long lease)
    {
        List<HeldLease> lost = [];
        lock (_takeGate)
        {
            List<HeldLease> held0;
            lock (_leaseGate)
                held0 = [.. _held.Values.Where(h => !h.Lost)];
            foreach (var held in held0)
            {
                uint pid;
                lock (_leaseGate)
                    pid = held.Pids.FirstOrDefault();
                var value = ClusterRecords.Write(new LeaseRecord(HostName, pid, Now));
                var put = new RequestOp { RequestPut = new PutRequest { Key = EtcdConnection.Bytes(held.Key), Value = EtcdConnection.Bytes(value), Lease = lease } };
                bool moved = _conn.Kv.Txn(new TxnRequest { Compare = { OnLease(held.Key, held.Lease) }, Success = { put } }, EtcdConnection.Within(2)).Succeeded
                    || _conn.Kv.Txn(new TxnRequest { Compare = { Absent(held.Key) }, Success = { put } }, EtcdConnection.Within(2)).Succeeded;
                lock (_leaseGate)
                {
                    if (moved)
                        held.Lease = lease;
                    else
                        lost.Add(held);
                }
            }
        }
        if (lost.Count > 0)
            Fence(lost, "another host took the lease while this host was cut off");
    }

    // Every 200 ms: past the deadline without a renewal, the writers of every held lease stop.
    private void CheckFence()
    {
        if (DateTimeOffset.UtcNow.UtcTicks < Volatile.Read(ref _fenceDeadlineTicks))
            return;
        List<HeldLease> due;
        lock (_leaseGate)
            due = [.. _held.Values.Where(h => !h.Lost)];
        if (due.Count > 0)
            Fence(due, $"membership lease not renewed within {_options.LeaseTtl} s less the margin");
    }

    private void Fence(List<HeldLease> leases, string why)
    {
        List<(HeldLease Held, uint[] Pids)> fenced = [];
        lock (_leaseGate)
        {
            foreach (var held in leases.Where(h => !h.Lost))
            {
                held.Lost = true;
                fenced.Add((held, [.. held.Pids.Distinct()]));
            }
        }
        foreach (var (held, pids) in fenced)
        {
            string obj = $"pools/{held.Pool}/volumes/{held.Volume}";
            foreach (var pid in pids)
            {
                bool killed = _options.Fencing == "kill" && Kill(pid);
                _log.Warning("Fencing {Object}: {Why}; writer process {Pid} {Action}", obj, why, pid,
                    _options.Fencing == "kill" ? (killed ? "killed (SIGKILL)" : "not found") : "left running (fencing none)");
            }
            Raise("lease-fenced", obj, HostName, ("pids", string.Join(',', pids.Select(p => p.ToString(CultureInfo.InvariantCulture)))),
                ("action", _options.Fencing == "kill" ? "killed" : "none"));
        }
    }

    // SIGKILL to a writer the kernel named in its open (never the daemon itself, init, or 0:
    // a process the daemon cannot see).
    private static bool Kill(uint pid)
    {
        if (pid <= 1 || pid == (uint)Environment.ProcessId)
            return false;
        try
        {
            using var process = Process.GetProcessById((int)pid);
            process.Kill();
            return true;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    /// <inheritdoc/>
    public string? DescribeVolumeLease(string pool, string volume)
    {
        var entry = _mirror.Get(_keys.Lease(pool, volume));
        if (entry is null)
            return null;
        var holder = ClusterRecords.Read<LeaseRecord>(entry.Value);
        return holder is null ? "held (unreadable record)" : $"host {holder.Host} pid {holder.Pid} since {Stamp(holder.Since)} lease {entry.Lease:x}";
    }

    private static string Stamp(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
}
