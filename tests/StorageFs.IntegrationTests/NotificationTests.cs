namespace StorageFs.IntegrationTests;

/// <summary>
/// Changes made on the host behind the kernel's back. backing/ is cached for an hour
/// (<c>--timeout 3600</c>), so only the daemon's INVAL_INODE / INVAL_ENTRY notifications can
/// make the changes visible; the <c>--no-watch</c> control shows the stale cache they replace.
/// </summary>
public sealed class NotificationTests
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(2);

    /// <summary>Size of f, then whether gone, moved and moved2 can be stat'ed, through the mount.</summary>
    private const string Observe = """
        printf '%s' "$(stat -c %s "$M/backing/f")"
        for n in gone moved moved2; do
          if stat "$M/backing/$n" > /dev/null 2>&1; then printf ' %s' "$n"; fi
        done
        """;

    /// <summary>Size of sub/deeper/f, then whether sub/gone can be stat'ed, through the mount.</summary>
    private const string ObserveSub = """
        printf '%s' "$(stat -c %s "$M/backing/sub/deeper/f")"
        if stat "$M/backing/sub/gone" > /dev/null 2>&1; then printf ' gone'; fi
        echo
        """;

    [Fact]
    public void HostChanges_UnderAnHourLongCache_ShowThroughTheMountWithinTwoSeconds()
    {
        using var mount = DemoMount.Start(backing: true, "--timeout", "3600");
        Assert.Equal("5 gone moved", PrimeTheCacheThenChangeTheHost(mount));

        AssertShowsWithinTheWindow(mount, Observe, "10 moved2", "new size, deleted and renamed-away names gone");
    }

    [Fact]
    public void HostChanges_WithoutWatching_LeaveTheStaleAttributesCached()
    {
        using var mount = DemoMount.Start(backing: true, "--timeout", "3600", "--no-watch");
        Assert.Equal("5 gone moved", PrimeTheCacheThenChangeTheHost(mount));

        Thread.Sleep(Window);

        // moved2 was never looked up, so it is found; everything cached stays as it was.
        Assert.Equal("5 gone moved moved2", mount.Ok(Observe));
    }

    [Fact]
    public void HostChangesInASubdirectory_ShowThroughTheMountWithinTwoSeconds()
    {
        using var mount = DemoMount.Start(backing: true, "--timeout", "3600");
        mount.Ok("""mkdir -p "$H/sub/deeper" && printf 12345 > "$H/sub/deeper/f" && echo x > "$H/sub/gone" """);
        Assert.Equal("5 gone\n", mount.Ok(ObserveSub));

        mount.Ok("""printf 1234567890 > "$H/sub/deeper/f"; rm "$H/sub/gone" """);

        AssertShowsWithinTheWindow(mount, ObserveSub, "10\n", "new size, deleted name gone");
    }

    /// <summary>
    /// Creates f (5 bytes), gone and moved on the host, stats them through the mount so the
    /// kernel caches them, then grows f to 10 bytes, deletes gone and renames moved to moved2.
    /// Returns what the mount showed before the changes.
    /// </summary>
    private static string PrimeTheCacheThenChangeTheHost(DemoMount mount)
    {
        mount.Ok("""printf 12345 > "$H/f"; echo x > "$H/gone"; echo y > "$H/moved" """);
        string before = mount.Ok(Observe);
        mount.Ok("""printf 1234567890 > "$H/f"; rm "$H/gone"; mv "$H/moved" "$H/moved2" """);
        return before;
    }

    /// <summary>Runs <paramref name="observe"/> until it prints <paramref name="want"/>, failing after <see cref="Window"/>.</summary>
    private static void AssertShowsWithinTheWindow(DemoMount mount, string observe, string want, string meaning)
    {
        var clock = Stopwatch.StartNew();
        string seen;
        do
        {
            seen = mount.Ok(observe);
            if (seen == want)
                return;
            Thread.Sleep(50);
        }
        while (clock.Elapsed < Window);
        Assert.Fail($"{clock.ElapsedMilliseconds} ms after the host changes the mount still shows \"{seen.Trim()}\" " +
            $"(want \"{want.Trim()}\": {meaning})\n--- daemon log ---\n{mount.Daemon.Log}");
    }
}
