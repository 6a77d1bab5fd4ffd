namespace StorageFs.Backends.HostTools;

/// <summary>
/// The host facts <see cref="HostSupport"/> decides from: which programs are on PATH, which
/// /sys paths exist, and /proc/filesystems. <see cref="Current"/> reads this host.
/// </summary>
/// <param name="HasTool">True when a program of that name is executable on PATH.</param>
/// <param name="HasPath">True when that absolute path exists (a /sys class directory).</param>
/// <param name="FileSystems">The text of /proc/filesystems ("nodev\tname" or "\tname" lines).</param>
public sealed record HostFacts(Func<string, bool> HasTool, Func<string, bool> HasPath, string FileSystems)
{
    /// <summary>This host, read now.</summary>
    public static HostFacts Current() => new(
        HostSupport.OnPath,
        p => Directory.Exists(p) || File.Exists(p),
        File.Exists("/proc/filesystems") ? File.ReadAllText("/proc/filesystems") : "");
}
