using StorageFs.Interop;
namespace StorageFs.IntegrationTests;

/// <summary>Mounting and unmounting: signals, external umount, a crashed daemon, the fusermount3 path.</summary>
public sealed class LifecycleTests
{
    private const string Hello = "Hello from StorageFs\n";
    private static readonly TimeSpan ExitWithin = TimeSpan.FromSeconds(5);

    [Theory]
    [InlineData("TERM")]
    [InlineData("INT")]
    public void StopSignal_UnmountsAndExitsZeroWithinFiveSeconds(string signal)
    {
        using var mount = DemoMount.Start();
        Assert.Equal(Hello, mount.Ok("cat \"$M/hello\""));

        mount.Daemon.Signal(signal);

        AssertExitedZeroAndUnmounted(mount, $"SIG{signal}");
    }

    [Fact]
    public void Sigterm_WhileAFileIsHeldOpen_DetachesTheBusyMountAndExitsZero()
    {
        using var mount = DemoMount.Start();
        // A process keeping hello open makes umount(2) fail with EBUSY; the daemon must detach
        // lazily and abort its connection rather than wait for the file to be closed.
        string holder = mount.Ok("""
            bash -c 'exec 3< "$M/hello"; exec sleep 60' < /dev/null > /dev/null 2>&1 &
            echo $!
            """).Trim();
        try
        {
            mount.Daemon.Signal("TERM");

            AssertExitedZeroAndUnmounted(mount, "SIGTERM with a file open", TimeSpan.FromSeconds(10));
        }
        finally
        {
            Shell.Run($"kill -s KILL {holder}");
        }
    }

    [Fact]
    public void Umount_FromOutside_MakesTheDaemonExitZero()
    {
        using var mount = DemoMount.Start();
        Assert.Equal(Hello, mount.Ok("cat \"$M/hello\""));

        mount.Ok("umount \"$M\"");

        AssertExitedZeroAndUnmounted(mount, "umount");
    }

    [Fact]
    public void SigKill_LeavesAStaleMount_ThatTheNextDaemonClearsAndReplaces()
    {
        using var mount = DemoMount.Start();
        mount.Daemon.Kill();

        mount.Fails("stat \"$M\"", "Transport endpoint is not connected");

        DemoDaemon second = mount.StartDaemon();
        Assert.Contains("Detaching a dead fuse.storagefs mount", second.Log, StringComparison.Ordinal);
        Assert.Equal(Hello, mount.Ok("cat \"$M/hello\""));
        IReadOnlyList<MountInfoEntry> stack = MountTable.At(mount.MountPoint);
        Assert.True(stack.Count == 1, "want exactly the new mount, found: " + string.Join(", ", stack));
    }

    [Fact]
    public void Fusermount_MountsServesAndUnmountsOnSigterm()
    {
        Preflight.RequireTool("fusermount3", "fuse3");
        using var mount = DemoMount.Start(backing: false, "--fusermount");
        Assert.Contains("through fusermount3", mount.Daemon.Log, StringComparison.Ordinal);

        Assert.Equal(Hello + "text\n", mount.Ok("cat \"$M/hello\" && echo text > \"$M/f\" && cat \"$M/f\""));

        mount.Daemon.Signal("TERM");
        AssertExitedZeroAndUnmounted(mount, "SIGTERM");
    }

    private static void AssertExitedZeroAndUnmounted(DemoMount mount, string cause, TimeSpan? within = null)
    {
        DemoDaemon d = mount.Daemon;
        TimeSpan limit = within ?? ExitWithin;
        Assert.True(d.WaitForExit(limit), $"storagefs still running {limit.TotalSeconds} s after {cause}\n--- daemon log ---\n{d.Log}");
        Assert.True(d.ExitCode == 0, $"storagefs exited {d.ExitCode} after {cause}\n--- daemon log ---\n{d.Log}");
        IReadOnlyList<MountInfoEntry> left = MountTable.At(mount.MountPoint);
        Assert.True(left.Count == 0, $"still mounted after {cause}: {string.Join(", ", left)}\n--- daemon log ---\n{d.Log}");
    }
}
