using StorageFs.Interop;
namespace StorageFs.IntegrationTests.Infrastructure;

/// <summary>
/// The last resort when a test leaves a mount behind: abort its FUSE connection, so nothing can
/// hang on a dead daemon, then detach it.
/// </summary>
public static class Unmounter
{
    private const string Connections = "/sys/fs/fuse/connections";

    /// <summary>
    /// Clears every mount stacked on <paramref name="mountPoint"/>, newest first: a FUSE one is
    /// aborted through fusectl (<c>echo 1 &gt; /sys/fs/fuse/connections/N/abort</c>, N the
    /// device minor; Documentation/filesystems/fuse.rst) and then <c>umount -l</c>'d.
    /// Fails the test when a mount survives.
    /// </summary>
    public static void ForceUnmount(string mountPoint)
    {
        var notes = new StringBuilder();
        for (int attempt = 0; attempt < 5; attempt++)
        {
            IReadOnlyList<MountInfoEntry> stack = MountTable.At(mountPoint);
            if (stack.Count == 0)
                return;
            MountInfoEntry top = stack[^1];
            if (top.FsType.StartsWith("fuse", StringComparison.Ordinal))
                notes.Append(Abort(top.Minor)).Append('\n');
            ShellResult r = Shell.Run($"umount -l '{mountPoint}'", timeout: TimeSpan.FromSeconds(20));
            notes.Append(r.ToString()).Append('\n');
        }
        if (MountTable.IsMounted(mountPoint))
            Assert.Fail($"{mountPoint} is still mounted after 5 rounds of abort + umount -l:\n{notes}");
    }

    private static string Abort(uint connection)
    {
        string abort = $"{Connections}/{connection}/abort";
        if (!File.Exists(abort) && !MountTable.IsMounted(Connections))
        {
            ShellResult m = Shell.Run($"mount -t fusectl fusectl {Connections}", timeout: TimeSpan.FromSeconds(20));
            if (!m.Succeeded)
                return $"cannot mount fusectl: {m}";
        }
        if (!File.Exists(abort))
            return $"{abort} does not exist";
        try
        {
            File.WriteAllText(abort, "1");
            return $"aborted FUSE connection {connection}";
        }
        catch (IOException ex)
        {
            return $"writing {abort} failed: {ex.Message}";
        }
    }
}
