using System.Diagnostics;

namespace StorageFs.Backends.Tests.Fixtures;

/// <summary>Runs a tool for a test (no shell) and returns its exit code and output.</summary>
internal static class Sh
{
    public static (int Code, string Stdout, string Stderr) Try(string tool, params string[] args)
    {
        var psi = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        psi.Environment["LC_ALL"] = "C";
        psi.Environment["LVM_SUPPRESS_FD_WARNINGS"] = "1";
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Runs and fails the test on a non-zero exit.</summary>
    public static string Run(string tool, params string[] args)
    {
        var (code, stdout, stderr) = Try(tool, args);
        Assert.True(code == 0, $"{tool} {string.Join(' ', args)} exited {code}: {stderr}");
        return stdout;
    }

    /// <summary>True when <paramref name="tool"/> is an executable on PATH (or an absolute path).</summary>
    public static bool Has(string tool) =>
        tool.StartsWith('/')
            ? File.Exists(tool)
            : (Environment.GetEnvironmentVariable("PATH") ?? "/usr/sbin:/usr/bin:/sbin:/bin")
                .Split(':').Any(d => File.Exists(Path.Combine(d, tool)));
}
