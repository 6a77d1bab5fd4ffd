using System.Globalization;
using System.Text;

namespace StorageFs.Cluster;

public sealed partial class EtcdCoordinator
{
    /// <inheritdoc/>
    public string RenderInfo()
    {
        var session = Volatile.Read(ref _session);
        string problem, since;
        lock (_leaseGate)
        {
            problem = _storeProblem;
            since = Stamp(_storeProblemSince);
        }
        var b = new StringBuilder();
        Line(b, "Cluster", _options.Name);
        Line(b, "Host", HostName);
        Line(b, "Address", _options.Address ?? "-");
        string role = session is not null
            ? $"member (lease {session.Lease:x}, TTL {_options.LeaseTtl} s)"
            : _mirror.Loaded
                ? $"cut off since {since}: writers of shared volumes stopped (fencing {_options.Fencing}); local pools and running shared pools keep serving, shared volumes read-only"
                : "joining (not yet connected to the store): stored pools serve, shared volumes read-only";
        Line(b, "Role", role);
        Line(b, "Store", StoreHealth(session is not null, problem, since));
        Line(b, "Endpoints", string.Join(' ', _options.Endpoints));
        Line(b, "Revision", _mirror.Revision.ToString(CultureInfo.InvariantCulture));
        var hosts = Hosts();
        int up = hosts.Count(h => _mirror.Get(_keys.Alive(h)) is not null);
        Line(b, "Members", $"{hosts.Count} ({up} up)");
        Line(b, "Shared pools", string.Join(' ', _mirror.Under(_keys.Pools).Select(p => p.Name)));
        int held;
        lock (_leaseGate)
            held = _held.Values.Count(h => !h.Lost);
        Line(b, "Leases held", held.ToString(CultureInfo.InvariantCulture));
        Line(b, "Lease TTL", $"{_options.LeaseTtl} s");
        Line(b, "Fencing", _options.Fencing);
        return b.ToString();
    }

    // One Status call with a one-second deadline at each read.
    private string StoreHealth(bool member, string problem, string since)
    {
        try
        {
            var status = _conn.Maintenance.Status(new StatusRequest(), EtcdConnection.Within(1));
            string errors = status.Errors.Count > 0 ? ", errors: " + string.Join("; ", status.Errors) : "";
            return $"healthy: {_conn.Endpoint} etcd {status.Version}, member {status.Header.MemberId:x}, leader {status.Leader:x}, raft term {status.RaftTerm}, db {status.DbSize} bytes{errors}";
        }
        catch (RpcException e)
        {
            return member
                ? $"unreachable: {_conn.Endpoint}: {e.StatusCode}: {e.Status.Detail}"
                : $"unreachable since {since}: {problem}";
        }
    }

    /// <inheritdoc/>
    public IReadOnlyList<string> Hosts()
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (host, _) in _mirror.Under(_keys.Members))
            names.Add(host);
        foreach (var (host, _) in _mirror.Under(_keys.AliveRoot))
            names.Add(host);
        names.Add(HostName);
        return [.. names];
    }

    /// <inheritdoc/>
    public string? RenderHost(string host)
    {
        if (!Hosts().Contains(host, StringComparer.Ordinal))
            return null;
        var member = _mirror.Get(_keys.Member(host)) is { } m ? ClusterRecords.Read<MemberRecord>(m.Value) : null;
        var alive = _mirror.Get(_keys.Alive(host)) is { } a ? ClusterRecords.Read<AliveRecord>(a.Value) : null;
        var b = new StringBuilder();
        Line(b, "Host", host);
        Line(b, "Address", alive?.Address ?? member?.Address ?? "-");
        Line(b, "State", alive is not null
            ? $"up since {Stamp(alive.Since)}"
            : member?.Gone is { } gone ? $"gone since {Stamp(gone)}" : "gone");
        if (alive is not null)
            Line(b, "Pid", alive.Pid.ToString(CultureInfo.InvariantCulture));
        if (member is not null)
            Line(b, "Joined", Stamp(member.Joined));
        Line(b, "Pools", string.Join(' ', _mirror.Under(_keys.RunningRoot + host + "/").Select(r => r.Name)));
        int leases = 0;
        foreach (var (at, entry) in _mirror.Under(_keys.LeasesRoot))
        {
            if (ClusterRecords.Read<LeaseRecord>(entry.Value) is { } holder && holder.Host == host)
            {
                Line(b, "Lease", $"{LeaseObject(at)} pid {holder.Pid} since {Stamp(holder.Since)}");
                leases++;
            }
        }
        if (leases == 0)
            Line(b, "Lease", "-");
        return b.ToString();
    }

    private static void Line(StringBuilder b, string key, string value) =>
        b.Append((key + ":").PadRight(15)).Append(value).Append('\n');
}
