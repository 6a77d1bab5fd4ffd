namespace StorageFs.IntegrationTests.Infrastructure;

/// <summary>
/// What the real-mount tests need from the machine. A missing piece fails the test with a
/// message naming it (never a silent skip).
/// </summary>
public static class Preflight
{
    private static readonly Lazy<string?> FuseProblem = new(FindFuseProblem);

    /// <summary>Fails unless this process is root and /dev/fuse exists.</summary>
    public static void RequireFuse()
    {
        if (FuseProblem.Value is string problem)
            Assert.Fail(problem);
    }

    /// <summary>Fails unless <paramref name="tool"/> is on PATH; the message names the Debian package.</summary>
    public static void RequireTool(string tool, string debianPackage)
    {
        string[] dirs = (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':');
        if (!dirs.Any(d => File.Exists(Path.Combine(d, tool))))
            Assert.Fail($"{tool} is not installed: the real-mount tests need it (apt-get install -y --no-install-recommends {debianPackage})");
    }

    private static string? FindFuseProblem()
    {
        if (!File.Exists("/dev/fuse"))
            return "/dev/fuse is missing: the real-mount tests need the FUSE device (modprobe fuse, or give the container --device /dev/fuse)";
        if (!Environment.IsPrivilegedProcess)
            return "the real-mount tests must run as root: they mount with mount(2) and abort stuck connections through /sys/fs/fuse/connections";
        return null;
    }
}
