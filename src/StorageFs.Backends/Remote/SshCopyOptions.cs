namespace StorageFs.Backends.Remote;

/// <summary>
/// How this host reaches others for <c>ssh://</c> places (the daemon configuration's
/// <c>ssh</c> key): an ssh_config file for the keys, known hosts and users (default: the
/// daemon user's own, as <c>ssh</c> finds them), and where the other hosts mount their tree.
/// </summary>
public sealed record SshCopyOptions
{
    /// <summary>An ssh_config(5) file given to <c>ssh -F</c>; null: ssh's defaults (~/.ssh/config).</summary>
    public string? ConfigFile { get; init; }

    /// <summary>The other hosts' mount point of the tree.</summary>
    public string RemoteTree { get; init; } = "/storage";

    /// <summary>zstd's level on the wire (1 to 19; default 3, zstd's own).</summary>
    public int Level { get; init; } = 3;

    /// <summary>What is wrong with these options, or null.</summary>
    public string? Problem() =>
        ConfigFile is { } f && !Path.IsPathFullyQualified(f) ? $"'configFile': '{f}' is not an absolute path"
        : !Path.IsPathFullyQualified(RemoteTree) || RemoteTree.Any(char.IsControl) ? $"'remoteTree': '{RemoteTree}' is not an absolute path"
        : Level is < 1 or > 19 ? $"'level': expected 1 to 19, got {Level}"
        : null;
}
