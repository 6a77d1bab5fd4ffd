using System.Text.Json;

namespace StorageFs.Cluster;

/// <summary>The JSON values of the cluster's keys (<see cref="ClusterKeys"/>).</summary>
internal static class ClusterRecords
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static string Write<T>(T value) => JsonSerializer.Serialize(value, Json);

    /// <summary>The value, or null when it is not such a record (a key written by something else).</summary>
    public static T? Read<T>(string text) where T : class
    {
        try
        {
            return JsonSerializer.Deserialize<T>(text, Json);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary><c>pools/P</c>: the document and who defined it when.</summary>
internal sealed record PoolRecord(string Xml, string Host, DateTimeOffset Time);

/// <summary><c>undefined/P</c>.</summary>
internal sealed record UndefinedRecord(string Host, DateTimeOffset Time);

/// <summary><c>members/H</c>: <see cref="Gone"/> set by a host that saw H's lease lapse.</summary>
internal sealed record MemberRecord(string Address, DateTimeOffset Joined, DateTimeOffset? Gone);

/// <summary><c>alive/H</c>.</summary>
internal sealed record AliveRecord(string Address, int Pid, DateTimeOffset Since);

/// <summary><c>leases/P/V</c>.</summary>
internal sealed record LeaseRecord(string Host, uint Pid, DateTimeOffset Since);
