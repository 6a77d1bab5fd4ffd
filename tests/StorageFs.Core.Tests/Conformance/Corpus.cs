namespace StorageFs.Core.Tests.Conformance;

/// <summary>
/// The libvirt conformance corpus, read at test time from the shared folder (never copied into
/// the repository). Looked for, in order, at &lt;repo root&gt;/../shared/conformance/libvirt
/// (repo root = the directory holding StorageFs.sln, found by walking up from the test binary),
/// at $STORAGEFS_SHARED/conformance/libvirt, and at /work/shared/conformance/libvirt.
/// When none exists, every corpus test fails with <see cref="MissingMessage"/>.
/// </summary>
public sealed class Corpus
{
    /// <summary>Placeholder row used when the corpus is missing, so the theory fails loudly.</summary>
    public const string Missing = "<conformance corpus not found>";

    private static readonly Lazy<(Corpus? Corpus, string Message)> Instance = new(Load);

    private Corpus(string root, IReadOnlyList<ConformanceCase> cases)
    {
        Root = root;
        Cases = cases;
    }

    /// <summary>Directory holding cases.tsv.</summary>
    public string Root { get; }

    /// <summary>All rows of cases.tsv, in file order.</summary>
    public IReadOnlyList<ConformanceCase> Cases { get; }

    /// <summary>The corpus, or null when it was not found.</summary>
    public static Corpus? Current => Instance.Value.Corpus;

    /// <summary>Where the corpus was looked for, when it was not found.</summary>
    public static string MissingMessage => Instance.Value.Message;

    /// <summary>The corpus; fails the calling test, naming the places searched, when missing.</summary>
    public static Corpus Require() => Current ?? throw new Xunit.Sdk.XunitException(MissingMessage);

    /// <summary>Input paths of every row of <paramref name="kind"/> (optionally filtered), or
    /// the <see cref="Missing"/> placeholder when the corpus is missing.</summary>
    public static TheoryData<string> Inputs(string kind, Func<ConformanceCase, bool>? filter = null)
    {
        var data = new TheoryData<string>();
        if (Current is null)
        {
            data.Add(Missing);
            return data;
        }
        foreach (var c in Current.Cases.Where(c => c.Kind == kind && (filter is null || filter(c))))
        {
            data.Add(c.Input);
        }
        return data;
    }

    /// <summary>The single row of <paramref name="kind"/> for <paramref name="input"/>.</summary>
    public ConformanceCase Case(string kind, string input) =>
        Cases.Single(c => c.Kind == kind && c.Input == input);

    /// <summary>Absolute path of a corpus-relative path.</summary>
    public string PathOf(string relative) => Path.Combine(Root, relative);

    /// <summary>Text of a corpus-relative file.</summary>
    public string Read(string relative) => File.ReadAllText(PathOf(relative));

    private static (Corpus?, string) Load()
    {
        var tried = new List<string>();
        foreach (var candidate in Candidates())
        {
            tried.Add(candidate);
            var tsv = Path.Combine(candidate, "cases.tsv");
            if (File.Exists(tsv))
            {
                return (new Corpus(candidate, ParseTsv(tsv)), "");
            }
        }
        return (null, "libvirt conformance corpus (cases.tsv) not found; looked in: " +
                      string.Join(", ", tried) +
                      ". Set STORAGEFS_SHARED to the shared folder that holds conformance/libvirt.");
    }

    private static IEnumerable<string> Candidates()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "StorageFs.sln")))
            {
                yield return Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "conformance", "libvirt"));
                break;
            }
        }
        var env = Environment.GetEnvironmentVariable("STORAGEFS_SHARED");
        if (!string.IsNullOrEmpty(env))
        {
            yield return Path.Combine(env, "conformance", "libvirt");
        }
        yield return "/work/shared/conformance/libvirt";
    }

    private static List<ConformanceCase> ParseTsv(string path)
    {
        var rows = new List<ConformanceCase>();
        foreach (var line in File.ReadLines(path).Skip(1))
        {
            if (line.Length == 0)
            {
                continue;
            }
            var f = line.Split('\t');
            string At(int i) => i < f.Length ? f[i] : "";
            rows.Add(new ConformanceCase(At(0), At(1), At(2), At(3), At(4), At(5)));
        }
        return rows;
    }
}
