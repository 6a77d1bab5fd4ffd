using System.Diagnostics;

namespace StorageFs.Tests;

/// <summary><c>storagefs unmount</c> and <c>storagefs version</c>, run as a user would, on a real mount.</summary>
public sealed class UnmountAndVersionTests
{
    [Fact]
    public void Unmount_OfARunningMount_UnmountsIt_AndTheDaemonExitsZero()
    {
        using var daemon = new MountedDaemon();

        var (code, stdout, stderr) = CliRunner.Run(null, "unmount", daemon.MountPoint);

        Assert.True(code == 0, stderr);
        Assert.Equal($"unmounted {daemon.MountPoint}\n", stdout);
        Assert.Null(MountedDaemon.MountType(daemon.MountPoint));
        Assert.True(daemon.Process.WaitForExit(10_000), "the daemon kept running after its mount went away\n" + daemon.Log);
        Assert.Equal(0, daemon.Process.ExitCode);
    }

    [Fact]
    public void Unmount_OfABusyMount_FailsWithEBUSY_NamingTheProcesses_AndLeavesItMounted()
    {
        using var daemon = new MountedDaemon();
        using var user = Process.Start(new ProcessStartInfo("sleep", "30") { WorkingDirectory = daemon.MountPoint, UseShellExecute = false })!;
        try
        {
            var (code, stdout, stderr) = CliRunner.Run(null, "unmount", daemon.MountPoint);

            Assert.Equal(1, code);
            Assert.Equal("", stdout);
            Assert.StartsWith($"storagefs: cannot unmount {daemon.MountPoint}: Device or resource busy (in use by ", stderr, StringComparison.Ordinal);
            Assert.Contains($"sleep[{user.Id}]", stderr, StringComparison.Ordinal);
            Assert.Equal("fuse.storagefs", MountedDaemon.MountType(daemon.MountPoint));
            Assert.False(daemon.Process.HasExited);
        }
        finally
        {
            user.Kill();
            user.WaitForExit();
        }
    }

    [Theory]
    [InlineData("--lazy")]
    [InlineData("-z")]
    public void Unmount_Lazy_OfABusyMount_DetachesIt(string lazy)
    {
        using var daemon = new MountedDaemon();
        using var user = Process.Start(new ProcessStartInfo("sleep", "30") { WorkingDirectory = daemon.MountPoint, UseShellExecute = false })!;
        try
        {
            var (code, stdout, stderr) = CliRunner.Run(null, "unmount", lazy, daemon.MountPoint);

            Assert.True(code == 0, stderr);
            Assert.Equal($"detached {daemon.MountPoint}; it goes away once the last process using it leaves\n", stdout);
            Assert.Null(MountedDaemon.MountType(daemon.MountPoint));
        }
        finally
        {
            user.Kill();
            user.WaitForExit();
        }
        Assert.True(daemon.Process.WaitForExit(10_000), "the daemon kept running after the last user of its detached mount left\n" + daemon.Log);
    }

    [Fact]
    public void Unmount_OfADirectoryNothingIsMountedOn_SaysSo_AndExitsOne()
    {
        string dir = Directory.CreateTempSubdirectory("storagefs-cli-").FullName;
        try
        {
            var (code, stdout, stderr) = CliRunner.Run(null, "unmount", dir);

            Assert.Equal(1, code);
            Assert.Equal("", stdout);
            Assert.Equal($"storagefs: {dir} is not mounted\n", stderr);
        }
        finally
        {
            Directory.Delete(dir);
        }
    }

    [Fact]
    public void Unmount_OfAnotherFilesystem_RefusesAndLeavesItMounted()
    {
        var (code, _, stderr) = CliRunner.Run(null, "unmount", "/proc");

        Assert.Equal(1, code);
        Assert.Equal("storagefs: /proc is not a storagefs mount (it is proc); use umount(8)\n", stderr);
        Assert.Equal("proc", MountedDaemon.MountType("/proc"));
    }

    [Fact]
    public void Unmount_WithoutAMountpoint_ExplainsTheUsage_AndExitsTwo()
    {
        var (code, _, stderr) = CliRunner.Run(null, "unmount");

        Assert.Equal(2, code);
        Assert.Contains("MOUNTPOINT", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void UnmountHelp_DescribesTheVerb_AndExitsZero()
    {
        var (code, stdout, _) = CliRunner.Run(null, "unmount", "--help");

        Assert.Equal(0, code);
        Assert.Contains("MOUNTPOINT", stdout, StringComparison.Ordinal);
        Assert.Contains("--lazy", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Version_PrintsTheAssemblyVersion_TheFuseProtocol_TheRuntime_AndTheTransport()
    {
        var (code, stdout, stderr) = CliRunner.Run(null, "version");

        Assert.True(code == 0, stderr);
        string[] lines = stdout.TrimEnd('\n').Split('\n');
        Assert.Equal(4, lines.Length);
        string expected = typeof(CliRunner).Assembly.GetReferencedAssemblies().Single(a => a.Name == "storagefs").Version!.ToString(3);
        Assert.StartsWith($"storagefs: {expected}", lines[0], StringComparison.Ordinal);
        Assert.Equal("fuse protocol: 7.45 (kernels from 7.31)", lines[1]);
        Assert.StartsWith("runtime: .NET 10.", lines[2], StringComparison.Ordinal);
        string parameter = File.Exists("/sys/module/fuse/parameters/enable_uring") ? File.ReadAllText("/sys/module/fuse/parameters/enable_uring").Trim() : "";
        Assert.StartsWith(parameter == "Y" ? "fuse transport: io_uring" : "fuse transport: /dev/fuse", lines[3], StringComparison.Ordinal);
    }

    [Fact]
    public void Help_ListsTheMountUnmountAndVersionVerbs()
    {
        var (code, stdout, _) = CliRunner.Run(null, "--help");

        Assert.Equal(0, code);
        foreach (string verb in new[] { "mount", "unmount", "version", "xml", "demo" })
            Assert.Contains(verb, stdout, StringComparison.Ordinal);
    }
}
