namespace StorageFs.Backends.Tests.QemuImg;

/// <summary>
/// The <c>vol-argv</c> rows of shared/conformance/libvirt/cases.tsv, read at test time (never
/// copied). Looked for at &lt;repo root&gt;/../shared/conformance/libvirt, then
/// $STORAGEFS_SHARED/conformance/libvirt, then /work/shared/conformance/libvirt; when missing,
/// the tests fail naming those places.
/// </summary>
internal static class ArgvCorpus
{
    public const string Missing = "<conformance corpus not found>";

    private static readonly Lazy<(string? Root, string Message)> Location = new(Find);

    public static string? Root => Location.Value.Root;

    public static string Require() => Root ?? throw new Xunit.Sdk.XunitException(Location.Value.Message);

    /// <summary>Rows as (input, expected, pool, flags, note).</summary>
    public static IEnumerable<string[]> Rows(string kind)
    {
        if (Root is null)
        {
            return [];
        }
        return File.ReadLines(Path.Combine(Root, "cases.tsv")).Skip(1)
            .Select(l => l.Split('\t'))
            .Where(f => f.Length >= 6 && f[0] == kind)
            .Select(f => f[1..6]);
    }

    private static (string?, string) Find()
    {
        var tried = new List<string>();
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "StorageFs.sln")))
            {
                tried.Add(Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "conformance", "libvirt")));
                break;
            }
        }
        var env = Environment.GetEnvironmentVariable("STORAGEFS_SHARED");
        if (!string.IsNullOrEmpty(env))
        {
            tried.Add(Path.Combine(env, "conformance", "libvirt"));
        }
        tried.Add("/work/shared/conformance/libvirt");
        var found = tried.FirstOrDefault(t => File.Exists(Path.Combine(t, "cases.tsv")));
        return (found, "libvirt conformance corpus (cases.tsv) not found; looked in: " + string.Join(", ", tried) +
                       ". Set STORAGEFS_SHARED to the shared folder that holds conformance/libvirt.");
    }
}
