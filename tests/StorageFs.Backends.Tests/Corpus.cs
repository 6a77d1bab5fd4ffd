namespace StorageFs.Backends.Tests;

/// <summary>
/// libvirt's conformance data in ../shared/conformance/libvirt, found by walking up from
/// the test binary to the directory holding StorageFs.sln (the repository) and stepping
/// beside it, as the issue asks: the tests read the corpus, they do not copy it.
/// </summary>
internal static class Corpus
{
    public static string Root { get; } = Locate();

    /// <summary>The command lines of an .argv file: "\"-continued lines joined, one argv per command.</summary>
    public static IReadOnlyList<IReadOnlyList<string>> ReadArgv(string relative)
    {
        string[] lines = File.ReadAllLines(Path.Combine(Root, relative));
        var commands = new List<IReadOnlyList<string>>();
        var current = new List<string>();
        foreach (string raw in lines)
        {
            bool continues = raw.EndsWith('\\');
            current.AddRange(raw.TrimEnd('\\').Split(' ', StringSplitOptions.RemoveEmptyEntries));
            if (!continues)
            {
                commands.Add(current);
                current = [];
            }
        }

        return commands;
    }

    private static string Locate()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "StorageFs.sln")))
            {
                string corpus = Path.Combine(dir.FullName, "..", "shared", "conformance", "libvirt");
                Assert.True(Directory.Exists(corpus), $"libvirt corpus missing: {corpus}");
                return Path.GetFullPath(corpus);
            }
        }

        throw new InvalidOperationException("cannot find StorageFs.sln above " + AppContext.BaseDirectory);
    }
}
