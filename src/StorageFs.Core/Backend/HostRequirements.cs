namespace StorageFs.Core.Backend;

/// <summary>
/// What a pool type needs of the host to run: the programs its backend runs (the argv builders'
/// first words) with the Debian package of each, and the kernel features it reads in /sys or
/// /proc/filesystems. Part of the type's capability record, so the type's folder states it and
/// a generic checker (StorageFs.Backends' HostSupport) answers <see cref="IPoolBackend.Availability()"/>.
/// </summary>
/// <param name="Tools">Programs that must be on PATH.</param>
/// <param name="Kernel">Kernel features, each required or only noted when missing.</param>
public sealed record HostRequirements(IReadOnlyList<HostTool> Tools, IReadOnlyList<KernelFeature> Kernel)
{
    /// <summary>Nothing beyond what StorageFs itself needs.</summary>
    public static HostRequirements None { get; } = new([], []);

    /// <summary>The programs <paramref name="programs"/>, each from <paramref name="package"/>.</summary>
    public static IEnumerable<HostTool> From(string package, params string[] programs) => programs.Select(p => new HostTool(p, package));

    /// <summary>Shared libraries the type's backend loads into the daemon (P/Invoke), each
    /// with its Debian package; none by default.</summary>
    public IReadOnlyList<HostLibrary> Libraries { get; init; } = [];
}

/// <summary>A shared library a backend calls in process (its soname) and the Debian package that has it.</summary>
public sealed record HostLibrary(string SoName, string Package);

/// <summary>A program a backend runs and the Debian package that has it.</summary>
public sealed record HostTool(string Program, string Package);

/// <summary>
/// A kernel feature: a path under /sys that exists when it is there (<paramref name="SysPath"/>),
/// or a file system in /proc/filesystems (<paramref name="FileSystem"/>).
/// </summary>
/// <param name="SysPath">An absolute path that exists when the feature is there, or null.</param>
/// <param name="FileSystem">A file system name in /proc/filesystems, or null.</param>
/// <param name="WhenMissing">What the availability note says when it is missing.</param>
/// <param name="Required">False when the type still runs in part without it (the note says what is lost).</param>
public sealed record KernelFeature(string? SysPath, string? FileSystem, string WhenMissing, bool Required = true);
