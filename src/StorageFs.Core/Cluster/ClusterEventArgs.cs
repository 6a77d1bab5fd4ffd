namespace StorageFs.Core.Cluster;

/// <summary>One cluster event: <paramref name="Name"/> (e.g. <c>cluster-pool-defined</c>) about
/// <paramref name="Object"/> (e.g. <c>pools/P</c>), seen on or caused by <paramref name="Host"/>.</summary>
public sealed class ClusterEventArgs(string name, string obj, string host, IReadOnlyList<(string Key, string Value)>? extra = null) : EventArgs
{
    /// <summary>The event's name.</summary>
    public string Name { get; } = name;

    /// <summary>The tree path it is about.</summary>
    public string Object { get; } = obj;

    /// <summary>The host it happened on.</summary>
    public string Host { get; } = host;

    /// <summary>More <c>key=value</c> pairs.</summary>
    public IReadOnlyList<(string Key, string Value)> Extra { get; } = extra ?? [];
}
