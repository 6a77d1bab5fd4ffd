using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace StorageFs.Backends.Tests;

/// <summary>
/// The dependency rules of docs/ARCHITECTURE.md, read off the source tree: project references
/// point one way, and inside src/StorageFs.Backends a type folder uses only the shared folders,
/// a shared folder never uses a type folder, and the shared folders form no loop.
/// </summary>
public sealed partial class LayeringTests
{
    // The shared folders and what each may use; every other folder is a pool type's.
    private static readonly Dictionary<string, string[]> s_shared = new()
    {
        ["HostTools"] = [],
        ["QemuImg"] = [],
        ["Files"] = ["HostTools", "QemuImg"],
        ["Devices"] = ["HostTools", "QemuImg", "Files"],
        ["Mounted"] = ["HostTools", "QemuImg", "Files"],
        ["Filesystems"] = ["HostTools"],
    };

    private static readonly Dictionary<string, string[]> s_projects = new()
    {
        ["StorageFs.Interop"] = [],
        ["StorageFs.Fuse"] = ["StorageFs.Interop"],
        ["StorageFs.Core"] = ["StorageFs.Interop"],
        ["StorageFs.Backends"] = ["StorageFs.Interop", "StorageFs.Core"],
        ["StorageFs.Vfs"] = ["StorageFs.Interop", "StorageFs.Core", "StorageFs.Fuse"],
        // The cluster store's client: beside the backends, known to the daemon only.
        ["StorageFs.Cluster"] = ["StorageFs.Interop", "StorageFs.Core"],
        ["StorageFs"] = ["StorageFs.Interop", "StorageFs.Core", "StorageFs.Backends", "StorageFs.Fuse", "StorageFs.Vfs", "StorageFs.Cluster"],
    };

    [Fact]
    public void ProjectReferences_PointOneWay()
    {
        var found = Directory.GetDirectories(Path.Combine(RepoRoot, "src")).Select(Path.GetFileName).Order().ToList();
        Assert.Equal(s_projects.Keys.Order(), found);
        foreach (var (project, allowed) in s_projects)
        {
            var refs = XDocument.Load(Path.Combine(RepoRoot, "src", project, project + ".csproj"))
                .Descendants("ProjectReference")
                .Select(r => Path.GetFileNameWithoutExtension(r.Attribute("Include")!.Value.Replace('\\', '/')))
                .Order();
            Assert.Equal(allowed.Order(), refs);
        }
    }

    [Fact]
    public void BackendFolders_TypeFoldersUseOnlySharedFolders_AndSharedFoldersNeverUseTypeFolders()
    {
        var edges = BackendEdges();
        Assert.NotEmpty(edges);
        var wrong = new List<string>();
        foreach (var (from, to, file) in edges)
        {
            bool ok = from == "" // the registry, at the root, lists every type
                || (s_shared.TryGetValue(from, out var allowed) ? allowed.Contains(to) : s_shared.ContainsKey(to));
            if (!ok)
                wrong.Add($"{from} -> {to} ({file})");
        }
        Assert.True(wrong.Count == 0, "back-edges:\n" + string.Join("\n", wrong.Distinct()));
    }

    [Fact]
    public void BackendFiles_DeclareTheNamespaceOfTheirFolder()
    {
        string root = Path.Combine(RepoRoot, "src", "StorageFs.Backends");
        var wrong = SourceFiles(root)
            .Where(f => NamespaceOf(File.ReadAllText(f)) != "StorageFs.Backends" + Suffix(Folder(root, f)))
            .Select(f => Path.GetRelativePath(root, f))
            .ToList();
        Assert.Empty(wrong);
    }

    [Fact]
    public void TheCheck_SeesABackEdge()
    {
        // The rule itself, on a made-up file: a shared folder naming a type folder fails.
        var found = Uses("using StorageFs.Backends.Logical;\nnamespace StorageFs.Backends.Files;\nclass X { StorageFs.Backends.Disk.Y y; }");
        Assert.Equal(["Disk", "Logical"], found.Order());
    }

    private static List<(string From, string To, string File)> BackendEdges()
    {
        string root = Path.Combine(RepoRoot, "src", "StorageFs.Backends");
        var edges = new List<(string, string, string)>();
        foreach (var file in SourceFiles(root))
        {
            string from = Folder(root, file);
            foreach (var to in Uses(File.ReadAllText(file)).Where(t => t != from))
                edges.Add((from, to, Path.GetRelativePath(root, file)));
        }
        return edges;
    }

    // The Backends sub-namespaces a file names: usings and fully qualified names (comments and its own
    // namespace line left out).
    private static IEnumerable<string> Uses(string text)
    {
        string code = string.Join('\n', text.Split('\n').Where(l =>
            !l.TrimStart().StartsWith("//", StringComparison.Ordinal) && !l.StartsWith("namespace ", StringComparison.Ordinal)));
        return BackendNamespace().Matches(code).Select(m => m.Groups[1].Value).Where(n => n != "Tests").Distinct();
    }

    private static IEnumerable<string> SourceFiles(string root) =>
        Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains("/obj/", StringComparison.Ordinal) && !f.Contains("/bin/", StringComparison.Ordinal));

    private static string Folder(string root, string file)
    {
        string rel = Path.GetRelativePath(root, Path.GetDirectoryName(file)!);
        return rel == "." ? "" : rel.Split('/')[0];
    }

    private static string Suffix(string folder) => folder == "" ? "" : "." + folder;

    private static string? NamespaceOf(string text) => FileNamespace().Match(text) is { Success: true } m ? m.Groups[1].Value : null;

    [GeneratedRegex(@"(?<![\w.])StorageFs\.Backends\.([A-Za-z]+)\b(?!\.Tests)")]
    private static partial Regex BackendNamespace();

    [GeneratedRegex(@"^namespace ([\w.]+);", RegexOptions.Multiline)]
    private static partial Regex FileNamespace();

    private static string RepoRoot { get; } = FindRoot();

    private static string FindRoot([CallerFilePath] string file = "")
    {
        var dir = new DirectoryInfo(Path.GetDirectoryName(file)!);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "StorageFs.sln")))
            dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("StorageFs.sln not found above " + file);
    }
}
