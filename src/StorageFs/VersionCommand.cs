using System.Reflection;
using System.Runtime.InteropServices;
using CommandLine;
using StorageFs.Fuse;

namespace StorageFs;

[Verb("version", HelpText = "Print the storagefs version, the FUSE protocol versions it speaks and the .NET runtime.")]
internal sealed class VersionOptions
{
}

/// <summary>Runs <c>storagefs version</c>: three lines, each "what: value", stable for scripts.</summary>
internal static class VersionCommand
{
    public static int Run(VersionOptions o)
    {
        _ = o;
        Console.Write(Text());
        return 0;
    }

    internal static string Text()
    {
        var assembly = typeof(VersionCommand).Assembly;
        string version = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? assembly.GetName().Version?.ToString()
            ?? "unknown";
        return $"storagefs: {version}\n" +
            $"fuse protocol: {FuseProtocol.Major}.{FuseProtocol.Minor} (kernels from {FuseProtocol.Major}.{FuseProtocol.OldestMinor})\n" +
            $"runtime: {RuntimeInformation.FrameworkDescription} {RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant()}\n";
    }
}
