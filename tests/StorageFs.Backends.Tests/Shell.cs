using System.Diagnostics;

namespace StorageFs.Backends.Tests;

/// <summary>Runs a tool synchronously from an argument list and returns its stdout; fails the test on a non-zero exit.</summary>
internal static class Shell
{
    public static string Run(string tool, params string[] args)
    {
        (int code, string stdout, string stderr) = TryRun(tool, args);
        Assert.True(code == 0, $"{tool} {string.Join(' ', args)} exited {code}: {stderr}");
        return stdout;
    }

    public static (int Code, string Stdout, string Stderr) TryRun(string tool, params string[] args)
    {
        var start = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args)
        {
            start.ArgumentList.Add(a);
        }

        start.Environment["LC_ALL"] = "C";
        using Process p = Process.Start(start)!;
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout, stderr.Result);
    }
}
