using System.Diagnostics;
using System.Text.RegularExpressions;

namespace StorageFs.Testing;

/// <summary>
/// libvirt 9.0.0's XML test corpus, fetched at test time from Debian's libvirt source package by
/// tests/corpus/fetch-libvirt (cached outside the repository; see that script), and the list of
/// cases derived from libvirt's own test programs in the same tree: storagepoolxml2xmltest.c,
/// storagevolxml2xmltest.c, storagepoolxml2argvtest.c, storagevolxml2argvtest.c,
/// secretxml2xmltest.c and the storage and secret entries of virschematest.c. When the corpus cannot be fetched, <see cref="Require"/> fails the
/// calling test with the reason.
/// </summary>
/// <remarks>Compiled into each test project that reads the corpus (linked source).</remarks>
public sealed partial class LibvirtCorpus
{
    /// <summary>Placeholder row used when the corpus is missing, so a theory fails loudly.</summary>
    public const string Missing = "<libvirt corpus not available>";

    private static readonly Lazy<(LibvirtCorpus? Corpus, string Message)> Instance = new(Load);

    private LibvirtCorpus(string root, IReadOnlyList<LibvirtCase> cases)
    {
        Root = root;
        Cases = cases;
    }

    /// <summary>The libvirt source tree (reduced) holding tests/, src/conf/schemas/, examples/.</summary>
    public string Root { get; }

    /// <summary>Every case, in the order of libvirt's test programs.</summary>
    public IReadOnlyList<LibvirtCase> Cases { get; }

    /// <summary>The corpus, or null when it could not be fetched.</summary>
    public static LibvirtCorpus? Current => Instance.Value.Corpus;

    /// <summary>Why the corpus is not available.</summary>
    public static string MissingMessage => Instance.Value.Message;

    /// <summary>The corpus; fails the calling test with the reason when it is not available.</summary>
    public static LibvirtCorpus Require() => Current ?? throw new Xunit.Sdk.XunitException(MissingMessage);

    /// <summary>Absolute path of a path relative to the libvirt source tree.</summary>
    public string PathOf(string relative) => Path.Combine(Root, relative);

    /// <summary>Text of a file of the libvirt source tree.</summary>
    public string Read(string relative) => File.ReadAllText(PathOf(relative));

    /// <summary>The rows of one kind.</summary>
    public IEnumerable<LibvirtCase> Of(string kind) => Cases.Where(c => c.Kind == kind);

    /// <summary>The single row of <paramref name="kind"/> for <paramref name="input"/>.</summary>
    public LibvirtCase Case(string kind, string input) => Cases.Single(c => c.Kind == kind && c.Input == input);

    /// <summary>Input paths of every row of <paramref name="kind"/>, or the <see cref="Missing"/>
    /// placeholder when the corpus is not available (so the theory runs and fails).</summary>
    public static TheoryData<string> Inputs(string kind)
    {
        var data = new TheoryData<string>();
        if (Current is null)
        {
            data.Add(Missing);
            return data;
        }
        foreach (var c in Current.Of(kind))
        {
            data.Add(c.Input);
        }
        return data;
    }

    private static (LibvirtCorpus?, string) Load()
    {
        string? repo = null;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "StorageFs.sln")))
            {
                repo = dir.FullName;
                break;
            }
        }
        if (repo is null)
        {
            return (null, "libvirt corpus not available: no StorageFs.sln above " + AppContext.BaseDirectory);
        }
        string script = Path.Combine(repo, "tests", "corpus", "fetch-libvirt");
        var psi = new ProcessStartInfo(script) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd().Trim();
        p.WaitForExit();
        if (p.ExitCode != 0 || !Directory.Exists(stdout))
        {
            return (null, $"libvirt corpus not available ({script} exited {p.ExitCode}): {stderr.Result.Trim()}");
        }
        try
        {
            return (new LibvirtCorpus(stdout, DeriveCases(stdout)), "");
        }
        catch (Exception e) when (e is IOException or InvalidDataException)
        {
            return (null, "libvirt corpus not usable: " + e.Message);
        }
    }

    private static List<LibvirtCase> DeriveCases(string root)
    {
        var rows = new List<LibvirtCase>();
        string Source(string name) => File.ReadAllText(Path.Combine(root, "tests", name));

        foreach (var call in Calls(Source("storagepoolxml2xmltest.c")))
        {
            string name = call.Args[0];
            rows.Add(new("pool", $"{PoolIn}/{name}.xml", $"tests/storagepoolxml2xmlout/{name}.xml", "", "0", call.Note));
        }

        foreach (var call in Calls(Source("storagevolxml2xmltest.c")))
        {
            var (pool, vol, flags) = call.Macro == "DO_TEST_FULL"
                ? (call.Args[0], call.Args[1], call.Args[2])
                : (call.Args[0], call.Args[1], "0");
            rows.Add(new("vol", $"{VolIn}/{vol}.xml", $"tests/storagevolxml2xmlout/{vol}.xml", $"{PoolIn}/{pool}.xml", flags, call.Note));
        }

        foreach (var call in Calls(Source("storagepoolxml2argvtest.c")))
        {
            string pool = call.Args[0];
            string expected = call.Macro switch
            {
                "DO_TEST_FAIL" => "FAIL",
                "DO_TEST_PLATFORM" => $"tests/storagepoolxml2argvdata/{pool}-linux.argv",
                _ => $"tests/storagepoolxml2argvdata/{pool}.argv",
            };
            string note = expected == "FAIL" ? Join("no start command is generated for this pool type", call.Note) : call.Note;
            rows.Add(new("pool-argv", $"{PoolIn}/{pool}.xml", expected, "", "0", note));
        }

        string volArgv = Source("storagevolxml2argvtest.c");
        string createFlags = FlagsVariable().Match(volArgv) is { Success: true } m ? m.Groups[1].Value : "";
        foreach (var call in Calls(volArgv))
        {
            // DO_TEST(_FAIL)(pool, vol, inputpool, inputvol, cmdline, flags) and
            // DO_TEST_FULL(shouldFail, parseflags, pool, vol, inputpool, inputvol, cmdline, flags).
            var a = call.Macro == "DO_TEST_FULL" ? call.Args : ["DO_TEST_FAIL" == call.Macro ? "true" : "false", "0", .. call.Args];
            var (fail, parse, pool, vol, inPool, inVol, cmdline, flags) = (a[0] == "true", a[1], a[2], a[3], a[4], a[5], a[6], a[7]);
            var flagParts = new List<string>();
            if (flags == "flags" && createFlags.Length > 0)
            {
                flagParts.Add("create=" + createFlags);
            }
            if (parse != "0")
            {
                flagParts.Add("parse=" + parse);
            }
            string note = call.Note;
            if (inVol != "NULL")
            {
                flagParts.Add("parse=VIR_VOL_XML_PARSE_NO_CAPACITY(implied by input vol)");
                note = Join($"input volume {VolIn}/{inVol}.xml in pool {PoolIn}/{inPool}.xml", note);
            }
            rows.Add(new("vol-argv", $"{VolIn}/{vol}.xml", fail ? "FAIL" : $"tests/storagevolxml2argvdata/{cmdline}.argv",
                $"{PoolIn}/{pool}.xml", flagParts.Count == 0 ? "0" : string.Join("|", flagParts), note));
        }

        // secretxml2xmltest.c: DO_TEST(name) compares secretxml2xmlin/NAME.xml with itself.
        foreach (var call in Calls(Source("secretxml2xmltest.c")))
        {
            string name = call.Args[0];
            rows.Add(new("secret", $"tests/secretxml2xmlin/{name}.xml", $"tests/secretxml2xmlin/{name}.xml", "", "0", call.Note));
        }

        rows.AddRange(SchemaRows(root, Source("virschematest.c")));
        return rows;
    }

    private const string PoolIn = "tests/storagepoolxml2xmlin";
    private const string VolIn = "tests/storagevolxml2xmlin";

    private static readonly Dictionary<string, string> SchemaKinds = new()
    {
        ["storagepool.rng"] = "pool-schema",
        ["storagevol.rng"] = "vol-schema",
        ["storagepoolcaps.rng"] = "poolcaps-schema",
        ["secret.rng"] = "secret-schema",
    };

    // virschematest.c: DO_TEST(SCHEMAS_PATH "x.rng", entries) validates every *.xml of each
    // entry's dir (names matching its dirRegex, searched unanchored as g_regex_match does) and
    // each entry's file; a name ending in -invalid.xml must fail.
    private static IEnumerable<LibvirtCase> SchemaRows(string root, string source)
    {
        var tables = new Dictionary<string, List<(string? Dir, string? Regex, string? File)>>();
        foreach (Match t in SchemaTable().Matches(source))
        {
            var entries = new List<(string?, string?, string?)>();
            foreach (Match e in SchemaEntry().Matches(t.Groups[2].Value))
            {
                string? Field(string name) =>
                    Regex.Match(e.Value, $@"\.{name}\s*=\s*""([^""]*)""") is { Success: true } f ? f.Groups[1].Value : null;
                entries.Add((Field("dir"), Field("dirRegex"), Field("file")));
            }
            tables[t.Groups[1].Value] = entries;
        }
        foreach (Match test in SchemaTest().Matches(source))
        {
            string rng = test.Groups[1].Value;
            if (!SchemaKinds.TryGetValue(rng, out var kind))
            {
                continue;
            }
            if (!tables.TryGetValue(test.Groups[2].Value, out var entries))
            {
                throw new InvalidDataException($"virschematest.c: no entry table {test.Groups[2].Value}");
            }
            foreach (var (dir, regex, file) in entries)
            {
                var files = new List<string>();
                if (dir is not null)
                {
                    string d = dir.TrimEnd('/');
                    files.AddRange(Directory.GetFiles(Path.Combine(root, d), "*.xml")
                        .Select(Path.GetFileName)
                        .Where(n => !n!.StartsWith('.') && (regex is null || Regex.IsMatch(n, regex)))
                        .Order(StringComparer.Ordinal)
                        .Select(n => $"{d}/{n}"));
                }
                if (file is not null)
                {
                    files.Add(file);
                }
                foreach (var f in files)
                {
                    yield return new(kind, f, f.EndsWith("-invalid.xml", StringComparison.Ordinal) ? "FAIL" : "VALID", "",
                        "src/conf/schemas/" + rng, "RelaxNG validation; names ending -invalid.xml must fail");
                }
            }
        }
    }

    private sealed record Call(string Macro, string[] Args, string Note);

    // The DO_TEST* statements of a libvirt test program's mymain(), with the build condition
    // (#if/#ifdef WITH_...) each one sits under.
    private static List<Call> Calls(string source)
    {
        int main = source.IndexOf("mymain(void)", StringComparison.Ordinal);
        if (main < 0)
        {
            throw new InvalidDataException("no mymain() in a libvirt test program");
        }
        var calls = new List<Call>();
        var conditions = new Stack<string>();
        var statement = new System.Text.StringBuilder();
        bool inDefine = false;
        foreach (var raw in source[main..].Split('\n'))
        {
            string line = raw.Trim();
            if (inDefine || line.StartsWith("#define", StringComparison.Ordinal))
            {
                inDefine = line.EndsWith('\\');
                continue;
            }
            if (line.StartsWith("#if", StringComparison.Ordinal))
            {
                var cond = Regex.Match(line, @"(WITH_\w+)");
                conditions.Push(cond.Success ? cond.Groups[1].Value : line);
                continue;
            }
            if (line.StartsWith("#endif", StringComparison.Ordinal))
            {
                conditions.Pop();
                continue;
            }
            if (statement.Length == 0 && !line.StartsWith("DO_TEST", StringComparison.Ordinal))
            {
                continue;
            }
            statement.Append(line).Append(' ');
            if (!line.EndsWith(';'))
            {
                continue;
            }
            var m = TestCall().Match(statement.ToString());
            statement.Clear();
            if (!m.Success)
            {
                throw new InvalidDataException("cannot read a DO_TEST statement: " + line);
            }
            var args = m.Groups[2].Value.Split(',').Select(a => a.Trim().Trim('"')).ToArray();
            string note = conditions.Count == 0 ? "" : "built only with " + string.Join(", ", conditions.Reverse());
            calls.Add(new Call(m.Groups[1].Value, args, note));
        }
        return calls;
    }

    private static string Join(string a, string b) => b.Length == 0 ? a : a.Length == 0 ? b : a + "; " + b;

    [GeneratedRegex(@"^(DO_TEST\w*)\s*\((.*)\)\s*;\s*$", RegexOptions.Singleline)]
    private static partial Regex TestCall();

    [GeneratedRegex(@"unsigned int flags = (\w+);")]
    private static partial Regex FlagsVariable();

    [GeneratedRegex(@"static const struct testSchemaEntry (\w+)\[\] = \{(.*?)\n\};", RegexOptions.Singleline)]
    private static partial Regex SchemaTable();

    [GeneratedRegex(@"\{[^{}]*\}")]
    private static partial Regex SchemaEntry();

    [GeneratedRegex(@"DO_TEST\(SCHEMAS_PATH ""([\w.]+)"",\s*(\w+)\)")]
    private static partial Regex SchemaTest();
}

/// <summary>One case of libvirt's storage tests (kinds: pool, vol, pool-argv, vol-argv,
/// pool-schema, vol-schema, poolcaps-schema).</summary>
/// <param name="Kind">which libvirt test program the case comes from</param>
/// <param name="Input">the document under test, relative to the libvirt tree</param>
/// <param name="Expected">the expected output file, FAIL (must be rejected) or VALID (schema rows)</param>
/// <param name="Pool">the pool document giving a volume its context (vol, vol-argv)</param>
/// <param name="Flags">libvirt's parse/create flags, or the schema file for schema rows</param>
/// <param name="Note">build conditions and, for a convert, the input volume and its pool</param>
public sealed record LibvirtCase(string Kind, string Input, string Expected, string Pool, string Flags, string Note)
{
    /// <summary>The case expects a rejection.</summary>
    public bool ExpectsFailure => Expected == "FAIL";
}
