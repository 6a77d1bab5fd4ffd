using System.Runtime.CompilerServices;

namespace StorageFs.Backends.Tests.Fixtures;

/// <summary>Files under tests/StorageFs.Backends.Tests/Fixtures, read from the source tree.</summary>
internal static class FixtureFiles
{
    public static string Directory { get; } = Here();

    public static string PathOf(string relative) => Path.Combine(Directory, relative);

    public static string Read(string relative) => File.ReadAllText(PathOf(relative));

    private static string Here([CallerFilePath] string file = "") => Path.GetDirectoryName(file)!;
}
