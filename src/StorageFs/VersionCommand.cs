using System.Reflection;
using System.Runtime.InteropServices;
using CommandLine;
using StorageFs.Fuse;

namespace StorageFs;

[Verb("version", HelpText = "Print the storagefs version, the FUSE protocol versions it speaks, the .NET runtime and the FUSE transport this kernel allows.")]
internal sealed class VersionOptions
{
}

/// <summary>Runs <c>storagefs version</c>: four lines, each "what: value", stable for scripts.</summary>
internal static class VersionCommand
{
    public static int Run(VersionOptions o)
    {
        _ = o;
        Console.Write(Text());
        return 0;
    }

    /// <summary>The version this build carries (the package version, with the commit after '+').</summary>
    internal static string Version()
    {
        var assembly = typeof(VersionCommand).Assembly;
        return assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? assembly.GetName().Version?.ToString()
            ?? "unknown";
    }

    internal static string Text()
    {
        string version = Version();
        return $"storagefs: {version}\n" +
            $"fuse protocol: {FuseProtocol.Major}.{FuseProtocol.Minor} (kernels from {FuseProtocol.Major}.{FuseProtocol.OldestMinor})\n" +
            $"runtime: {RuntimeInformation.FrameworkDescription} {RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant()}\n" +
            $"fuse transport: {FuseProtocol.TransportAvailability()}\n";
    }
}
