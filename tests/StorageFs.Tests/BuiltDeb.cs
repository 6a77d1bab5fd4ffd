using System.Diagnostics;

namespace StorageFs.Tests;

/// <summary>Shell and repository helpers of the packaging and service tests.</summary>
internal static class Shell
{
    public static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "StorageFs.sln")))
            dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("StorageFs.sln not found above the test directory");
    }

    /// <summary>Runs <paramref name="script"/> with bash, stdout and stderr together; a script
    /// still running at <paramref name="timeout"/> (default 1 min) is killed and reported.</summary>
    public static (int Code, string Output) Sh(string script, TimeSpan? timeout = null)
    {
        var psi = new ProcessStartInfo("bash", ["-c", "{ " + script + "\n} 2>&1"]) { RedirectStandardOutput = true, UseShellExecute = false };
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEndAsync();
        if (!p.WaitForExit(timeout ?? TimeSpan.FromMinutes(1)))
        {
            p.Kill(entireProcessTree: true);
            return (-1, $"timed out: {script}\n{output.Result}");
        }
        return (p.ExitCode, output.Result);
    }
}

/// <summary>
/// The Debian package built once per test run by packaging/build-deb (a self-contained publish
/// takes minutes): the tests that install it share this one file. The directory goes at exit.
/// .ci/run builds it ahead, while an earlier test project waits on I/O, and names it in
/// <c>STORAGEFS_TEST_DEB</c>: that file is used as it is.
/// </summary>
internal static class BuiltDeb
{
    private static readonly Lazy<string> Deb = new(Build, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The path of <c>storagefs_VERSION_ARCH.deb</c>; building it on first use.</summary>
    public static string Path => Deb.Value;

    private static string Build()
    {
        string? prebuilt = Environment.GetEnvironmentVariable("STORAGEFS_TEST_DEB");
        if (!string.IsNullOrEmpty(prebuilt))
            return File.Exists(prebuilt) ? prebuilt : throw new InvalidOperationException($"STORAGEFS_TEST_DEB={prebuilt}: no such file");
        string dir = Directory.CreateTempSubdirectory("storagefs-built-deb-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        };
        var build = Shell.Sh($"'{Shell.RepoRoot()}/packaging/build-deb' '{dir}'", TimeSpan.FromMinutes(20));
        if (build.Code != 0)
            throw new InvalidOperationException("packaging/build-deb failed\n" + build.Output);
        return Directory.GetFiles(dir, "storagefs_*.deb").Single();
    }
}
