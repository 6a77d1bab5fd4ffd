using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace StorageFs.Backends.HostTools;

/// <summary>
/// What machine a pool's source host names, for duplicate-source detection: the addresses the
/// name resolves to, each as text, with every address of this host (loopback, 127.0.0.0/8,
/// ::1, and the addresses of its own interfaces) folded into <c>local</c>, so <c>localhost</c>,
/// <c>127.0.0.1</c> and the host's own name are one server. A name that does not resolve within
/// <see cref="ResolveTimeout"/> stands for itself (lower case): then only the same spelling
/// matches, as in libvirt.
/// </summary>
internal static class SourceServers
{
    /// <summary>How long a define waits for a name to resolve.</summary>
    public static readonly TimeSpan ResolveTimeout = TimeSpan.FromSeconds(2);

    /// <summary>The machine keys of <paramref name="host"/> (at least one).</summary>
    public static IReadOnlyList<string> Keys(string host)
    {
        var addresses = Resolve(host.Trim().TrimStart('[').TrimEnd(']'));
        if (addresses.Count == 0)
        {
            return ["name:" + host.Trim().ToLowerInvariant()];
        }
        var local = LocalAddresses();
        return [.. addresses.Select(a => Key(a, local)).Distinct(StringComparer.Ordinal)];
    }

    private static List<IPAddress> Resolve(string host)
    {
        if (IPAddress.TryParse(host, out var literal))
        {
            return [literal];
        }
        try
        {
            var lookup = Dns.GetHostAddressesAsync(host);
            return lookup.Wait(ResolveTimeout) ? [.. lookup.Result] : [];
        }
        catch (AggregateException)
        {
            return [];
        }
        catch (ArgumentException)
        {
            return [];
        }
    }

    private static string Key(IPAddress address, HashSet<IPAddress> local)
    {
        var a = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        return IPAddress.IsLoopback(a) || local.Contains(a) ? "local" : a.ToString();
    }

    private static HashSet<IPAddress> LocalAddresses()
    {
        var set = new HashSet<IPAddress>();
        try
        {
            foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
            {
                foreach (var u in nic.GetIPProperties().UnicastAddresses)
                {
                    if (u.Address.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6)
                    {
                        set.Add(u.Address);
                    }
                }
            }
        }
        catch (NetworkInformationException)
        {
            // Without the interface list only loopback addresses count as this host.
        }
        return set;
    }

    /// <summary>A source directory as compared: no trailing or doubled slashes.</summary>
    public static string Dir(string? dir)
    {
        if (string.IsNullOrEmpty(dir))
        {
            return "/";
        }
        var parts = dir.Split('/', StringSplitOptions.RemoveEmptyEntries);
        return (dir.StartsWith('/') ? "/" : "") + string.Join('/', parts);
    }
}
