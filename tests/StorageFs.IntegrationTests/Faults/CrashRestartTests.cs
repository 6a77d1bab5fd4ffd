using StorageFs.IntegrationTests.Tree;
using Xunit.Abstractions;
using StorageFs.Interop;

namespace StorageFs.IntegrationTests.Faults;

/// <summary>
/// Restarts after a crash. A daemon killed with SIGKILL leaves its mount
/// behind, dead ("Transport endpoint is not connected"), while the kernel still answers stat of
/// the mountpoint from cached attributes; a daemon started within that second must detach the
/// dead mount rather than mount on top of it, and must never mount over a live one.
/// </summary>
public sealed class CrashRestartTests(ITestOutputHelper output)
{
    /// <summary>The issue asks for 50; measured at about 1 s a cycle on the shared 2-core machine.</summary>
    private const int Cycles = 50;

    [Fact]
    public void KillNineAndImmediateRestart_FiftyTimes_LeavesOneWorkingMount()
    {
        using var tree = TreeMount.Start();
        string pool = tree.NewRunningPool("crash");
        var clock = Stopwatch.StartNew();
        for (int cycle = 1; cycle <= Cycles; cycle++)
        {
            TreeDaemon daemon = tree.KillAndRestart();
            ShellResult ls = tree.Sh($"ls \"$M\" && ls \"$M/pools/{pool}\"");
            Assert.True(ls.Succeeded && ls.Stdout.Contains("pools\n", StringComparison.Ordinal),
                $"cycle {cycle}: ls of the restarted mount failed\n{tree.Describe(ls)}");
            var layers = MountTable.At(tree.MountPoint).Where(e => e.FsType == MountTable.FuseType).ToList();
            Assert.True(layers.Count == 1,
                $"cycle {cycle}: {layers.Count} storagefs mounts stacked at {tree.MountPoint}\n--- daemon log ---\n{daemon.Log}");
            Assert.True(daemon.Log.Contains("Detaching a dead fuse.storagefs mount", StringComparison.Ordinal),
                $"cycle {cycle}: the new daemon did not say it detached the dead mount\n--- daemon log ---\n{daemon.Log}");
        }
        output.WriteLine($"{Cycles} kill -9 + restart cycles in {clock.Elapsed.TotalSeconds:0.0} s");
    }

    [Fact]
    public void ASecondDaemon_OnALiveMount_IsRefused_AndTheFirstKeepsServing()
    {
        using var tree = TreeMount.Start();
        ShellResult second = tree.Sh($"""
            timeout 60 $SFS mount "$M" --state-dir "$W/second" --config "{tree.ConfigFile}"
            """, TimeSpan.FromSeconds(90));
        Assert.True(second.ExitCode == 1, "the second daemon should exit 1\n" + tree.Describe(second));
        Assert.Contains("served by a live daemon", second.Stderr, StringComparison.Ordinal);
        Assert.Single(MountTable.At(tree.MountPoint), e => e.FsType == MountTable.FuseType);
        Assert.Contains("pools", tree.Ok("ls \"$M\""), StringComparison.Ordinal);
        Assert.False(tree.Daemon.WaitForExit(TimeSpan.Zero), "the first daemon exited");
    }
}
