using System.Text.RegularExpressions;

namespace StorageFs.Cluster;

/// <summary>
/// The daemon configuration's <c>cluster</c> object (docs/CLUSTER.md). Without it StorageFs
/// manages this host alone and no cluster code runs.
/// </summary>
public sealed partial record ClusterOptions
{
    /// <summary>etcd client URLs (<c>http://10.0.0.1:2379</c>; <c>host:port</c> means http).</summary>
    public List<string> Endpoints { get; init; } = [];

    /// <summary>The cluster's name: the key prefix <c>/storagefs/NAME/</c> in etcd.</summary>
    public string Name { get; init; } = "";

    /// <summary>This host's name in the cluster (unique per cluster).</summary>
    public string Host { get; init; } = "";

    /// <summary>This host's address as other hosts and people reach it (shown in hosts/H/info).</summary>
    public string? Address { get; init; }

    /// <summary>The membership lease's time to live in seconds (default 10; etcd's floor is about 2).</summary>
    public int LeaseTtl { get; init; } = 10;

    /// <summary>
    /// What this host does to its writers of shared volumes when it cannot renew its membership
    /// before its leases could lapse: <c>kill</c> (SIGKILL to every process that opened one for
    /// writing, as sanlock does) or <c>none</c> (log only; unsafe).
    /// </summary>
    public string Fencing { get; init; } = "kill";

    /// <summary>Why these options cannot be used, or null.</summary>
    public string? Problem()
    {
        if (Endpoints.Count == 0)
            return "'endpoints' must name at least one etcd client URL";
        foreach (var e in Endpoints)
        {
            if (!Uri.TryCreate(EndpointUri(e), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
                return $"endpoint '{e}' is not an http(s) URL or host:port";
        }
        if (!NamePattern().IsMatch(Name))
            return $"cluster name '{Name}' must be 1-63 letters, digits, '.', '_' or '-'";
        if (!NamePattern().IsMatch(Host))
            return $"host name '{Host}' must be 1-63 letters, digits, '.', '_' or '-'";
        if (LeaseTtl is < 2 or > 3600)
            return $"leaseTtl {LeaseTtl} must lie between 2 and 3600 seconds";
        if (Fencing is not ("kill" or "none"))
            return $"fencing must be 'kill' or 'none', not '{Fencing}'";
        return null;
    }

    /// <summary>An endpoint as a URL (<c>host:port</c> → <c>http://host:port</c>).</summary>
    public static string EndpointUri(string endpoint) =>
        endpoint.Contains("://", StringComparison.Ordinal) ? endpoint : "http://" + endpoint;

    [GeneratedRegex("^[A-Za-z0-9._-]{1,63}$")]
    private static partial Regex NamePattern();
}
