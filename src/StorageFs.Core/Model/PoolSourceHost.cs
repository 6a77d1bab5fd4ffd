namespace StorageFs.Core.Model;

/// <summary>
/// A <c>&lt;source&gt;&lt;host name='…' port='…'/&gt;</c> (<c>virStoragePoolSourceHost</c>).
/// A port of 0 means none and is not formatted.
/// </summary>
public sealed class PoolSourceHost
{
    /// <summary>Host name or address, as written.</summary>
    public required string Name { get; set; }

    /// <summary>Port, 0 when not given.</summary>
    public int Port { get; set; }
}
