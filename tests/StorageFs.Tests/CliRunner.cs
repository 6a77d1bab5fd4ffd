using System.Diagnostics;

namespace StorageFs.Tests;

/// <summary>Runs the real storagefs executable (built next to this test assembly) as a user would.</summary>
internal static class CliRunner
{
    public static (int Code, string Stdout, string Stderr) Run(string? stdin, params string[] args)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "storagefs.dll");
        Assert.True(File.Exists(dll), $"storagefs.dll not found next to the tests in {AppContext.BaseDirectory}");
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(dll);
        foreach (string a in args)
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        if (stdin is not null)
            p.StandardInput.Write(stdin);
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(60_000), "storagefs did not finish within 60 s");
        return (p.ExitCode, stdout.Result, stderr.Result);
    }
}
