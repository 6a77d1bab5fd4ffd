using StorageFs.Core.Backend;

namespace StorageFs.Backends.HostTools;

/// <summary>
/// Whether this host can run a pool type: a generic check of the <see cref="HostRequirements"/>
/// its capability record states (programs on PATH, shared libraries the loader finds, kernel features in /sys and
/// /proc/filesystems), with the reason for each that cannot (or can only in part) — what each
/// backend's <see cref="IPoolBackend.Availability()"/> answers, what <c>capabilities</c> shows
/// and what the driver checks before a build or start. Knows no pool type. Read fresh on each call.
/// </summary>
public static class HostSupport
{
    /// <summary>The availability here of the type <paramref name="capabilities"/> describes.</summary>
    public static BackendAvailability Check(PoolBackendCapabilities capabilities) => Check(capabilities, HostFacts.Current());

    /// <summary>The availability of the type <paramref name="capabilities"/> describes on a host with <paramref name="facts"/>.</summary>
    public static BackendAvailability Check(PoolBackendCapabilities capabilities, HostFacts facts)
    {
        ArgumentNullException.ThrowIfNull(capabilities);
        ArgumentNullException.ThrowIfNull(facts);
        var notes = new List<string>();
        var missing = MissingTools(capabilities.Requirements, facts);
        if (missing.Length > 0)
        {
            notes.Add(missing);
        }
        var libraries = capabilities.Requirements.Libraries.Where(l => !facts.HasLibrary(l.SoName)).ToList();
        if (libraries.Count > 0)
        {
            notes.Add($"missing libraries: {string.Join(", ", libraries.Select(l => l.SoName))} " +
                      $"(Debian packages {string.Join(", ", libraries.Select(l => l.Package).Distinct())})");
        }
        bool runnable = missing.Length == 0 && libraries.Count == 0;
        foreach (var feature in capabilities.Requirements.Kernel)
        {
            if (!Has(feature, facts))
            {
                notes.Add(feature.WhenMissing);
                runnable &= !feature.Required;
            }
        }
        return new BackendAvailability(capabilities.Type, runnable, string.Join("; ", notes));
    }

    /// <summary>"missing tools: a, b (Debian packages x, y)", or empty when every program of
    /// <paramref name="requirements"/> is on PATH.</summary>
    public static string MissingTools(HostRequirements requirements, HostFacts facts)
    {
        ArgumentNullException.ThrowIfNull(requirements);
        ArgumentNullException.ThrowIfNull(facts);
        var missing = requirements.Tools.Where(t => !facts.HasTool(t.Program)).ToList();
        if (missing.Count == 0)
        {
            return "";
        }
        return $"missing tools: {string.Join(", ", missing.Select(t => t.Program))} " +
               $"(Debian packages {string.Join(", ", missing.Select(t => t.Package).Distinct())})";
    }

    /// <summary>True when <paramref name="name"/> is in /proc/filesystems as <paramref name="facts"/> read it.</summary>
    public static bool HasFileSystem(HostFacts facts, string name)
    {
        ArgumentNullException.ThrowIfNull(facts);
        return facts.FileSystems.Split('\n').Any(l => l.Split('\t') is [_, var fs] && fs.Trim() == name);
    }

    /// <summary>True when <paramref name="tool"/> is an executable file in a PATH directory
    /// (the sbin directories included, where storage tools live).</summary>
    public static bool OnPath(string tool) => Find(tool) is not null;

    /// <summary>The executable <paramref name="tool"/> names: itself when it contains a '/', else
    /// the first executable file of that name in a PATH directory or an sbin/bin directory —
    /// the same search <see cref="OnPath"/> answers, so what capabilities offers is what runs.
    /// Null when there is none.</summary>
    public static string? Find(string tool)
    {
        ArgumentNullException.ThrowIfNull(tool);
        if (tool.Contains('/'))
        {
            return IsExecutable(tool) ? tool : null;
        }
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        var dirs = path.Split(':', StringSplitOptions.RemoveEmptyEntries).Concat(["/usr/sbin", "/sbin", "/usr/bin", "/bin"]).Distinct();
        return dirs.Select(d => Path.Combine(d, tool)).FirstOrDefault(IsExecutable);
    }

    private static bool Has(KernelFeature feature, HostFacts facts) =>
        (feature.SysPath is null || facts.HasPath(feature.SysPath)) &&
        (feature.FileSystem is null || HasFileSystem(facts, feature.FileSystem));

    private static bool IsExecutable(string file) =>
        File.Exists(file) &&
        (File.GetUnixFileMode(file) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;
}
