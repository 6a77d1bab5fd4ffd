using System.Diagnostics;

namespace StorageFs.Tests;

public sealed class ServiceUnitTests
{
    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "StorageFs.sln")))
            dir = dir.Parent;
        Assert.True(dir is not null, "StorageFs.sln not found above the test directory");
        return dir!.FullName;
    }

    [Fact]
    public void TheSystemdUnit_VerifiesWithoutAnyWarning()
    {
        // systemd-analyze exits 0 even on parse warnings; they go to stderr.
        var psi = new ProcessStartInfo("systemd-analyze", ["verify", Path.Combine(RepoRoot(), "storagefs.service")])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        using var p = Process.Start(psi)!;
        string err = p.StandardError.ReadToEnd();
        p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0 && err.Length == 0, $"systemd-analyze verify: exit {p.ExitCode}\n{err}");
    }

    [Fact]
    public void TheSystemdUnit_RunsTheMountVerbAsANotifyService()
    {
        string unit = File.ReadAllText(Path.Combine(RepoRoot(), "storagefs.service"));
        Assert.Contains("Type=notify", unit);
        Assert.Contains("storagefs.dll mount /storage", unit);
    }
}
