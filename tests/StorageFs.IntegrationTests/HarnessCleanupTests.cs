using StorageFs.Interop;
namespace StorageFs.IntegrationTests;

/// <summary>
/// The fixture's promise: whatever state a failed test leaves, Dispose removes the daemon, the
/// mount and the scratch directory, so one broken test cannot hang or litter the rest.
/// </summary>
public sealed class HarnessCleanupTests
{
    [Fact]
    public void Dispose_AfterTheDaemonWasKilled_DetachesTheStaleMount()
    {
        var mount = DemoMount.Start();
        mount.Daemon.Kill();
        Assert.True(MountTable.IsFuseMounted(mount.MountPoint), "SIGKILL should have left the mount behind");

        mount.Dispose();

        AssertNothingLeft(mount, pid: null);
    }

    [Fact]
    public void Dispose_OfAStoppedDaemon_KillsItAndDetachesTheMount()
    {
        var mount = DemoMount.Start();
        int pid = mount.Daemon.Pid;
        mount.Daemon.Signal("STOP"); // a daemon that answers nothing, not even SIGTERM

        mount.Dispose();

        AssertNothingLeft(mount, pid);
    }

    private static void AssertNothingLeft(DemoMount mount, int? pid)
    {
        Assert.True(MountTable.At(mount.MountPoint).Count == 0, "a mount survived Dispose: " + string.Join(", ", MountTable.At(mount.MountPoint)));
        Assert.False(Directory.Exists(mount.Root), $"{mount.Root} survived Dispose");
        if (pid is int p)
            Assert.False(Directory.Exists($"/proc/{p}"), $"storagefs pid {p} survived Dispose");
    }
}
