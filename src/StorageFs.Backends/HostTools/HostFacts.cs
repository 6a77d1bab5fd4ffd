namespace StorageFs.Backends.HostTools;

/// <summary>
/// The host facts <see cref="HostSupport"/> decides from: which programs are on PATH, which
/// /sys paths exist, /proc/filesystems, and which shared libraries the loader finds. <see cref="Current"/> reads this host.
/// </summary>
/// <param name="HasTool">True when a program of that name is executable on PATH.</param>
/// <param name="HasPath">True when that absolute path exists (a /sys class directory).</param>
/// <param name="FileSystems">The text of /proc/filesystems ("nodev\tname" or "\tname" lines).</param>
/// <param name="HasLibrary">True when the dynamic loader finds a library of that soname.</param>
public sealed record HostFacts(Func<string, bool> HasTool, Func<string, bool> HasPath, string FileSystems, Func<string, bool> HasLibrary)
{
    /// <summary>This host, read now.</summary>
    public static HostFacts Current() => new(
        HostSupport.OnPath,
        p => Directory.Exists(p) || File.Exists(p),
        File.Exists("/proc/filesystems") ? File.ReadAllText("/proc/filesystems") : "",
        Loadable);

    // A library the dynamic loader finds (loaded and let go again).
    private static bool Loadable(string soName)
    {
        if (!System.Runtime.InteropServices.NativeLibrary.TryLoad(soName, out var handle))
            return false;
        System.Runtime.InteropServices.NativeLibrary.Free(handle);
        return true;
    }
}
