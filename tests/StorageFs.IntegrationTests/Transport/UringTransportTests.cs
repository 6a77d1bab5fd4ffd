using System.Text.RegularExpressions;

namespace StorageFs.IntegrationTests.Transport;

/// <summary>
/// FUSE over io_uring: with <c>--uring on</c> the requests after INIT come by
/// the rings, proven by the daemon's count of ring-fetched requests growing with the work done;
/// parked requests (blocking locks) hold their ring entry and are answered late through it;
/// with the module parameter off, <c>on</c> refuses to mount and <c>auto</c> serves through
/// /dev/fuse, each saying why. Each test sets the module parameter it needs and restores the
/// value it found.
/// </summary>
public sealed partial class UringTransportTests : IDisposable
{
    private readonly List<DemoMount> _mounts = [];

    public void Dispose()
    {
        foreach (var m in _mounts)
            m.Dispose();
        UringParameter.Restore();
    }

    private DemoMount Start(string mode, params string[] options)
    {
        var m = DemoMount.Start(false, ["--uring", mode, .. options]);
        _mounts.Add(m);
        return m;
    }

    /// <summary>Asks the daemon for its counts (SIGUSR1) and returns (all requests, those fetched from the rings).</summary>
    private static (long All, long Ring) Counts(DemoMount m)
    {
        int before = m.Daemon.CountLogLines("FUSE requests served: ");
        m.Daemon.Signal("USR1");
        var clock = Stopwatch.StartNew();
        while (m.Daemon.CountLogLines("FUSE requests served: ") == before && clock.Elapsed < TimeSpan.FromSeconds(10))
            Thread.Sleep(20);
        string line = m.Daemon.Log.Split('\n').Last(l => l.Contains("FUSE requests served: ", StringComparison.Ordinal));
        Match match = CountsLine().Match(line);
        Assert.True(match.Success, $"no counts in: {line}");
        return (long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), long.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture));
    }

    [GeneratedRegex(@"FUSE requests served: (\d+) requests, (\d+) over io_uring")]
    private static partial Regex CountsLine();

    [Fact]
    public void On_RequestsAfterInitComeByTheRings_AndTheRingCountGrowsWithTheWork()
    {
        UringParameter.Set("Y");
        var m = Start("on", "--populate", "300");
        Assert.Equal("io_uring", m.Daemon.Transport);
        Assert.Contains("FUSE transport: io_uring", m.Daemon.Log, StringComparison.Ordinal);
        var (all0, ring0) = Counts(m);
        // 300 cold lookups + getattrs, a file written and read back in 1 MiB requests.
        m.Ok("""
            for i in $(seq 0 299); do stat -c %s "$M/many/f$i" > /dev/null 2>&1 || stat "$M/many" > /dev/null; done
            head -c 3145728 /dev/urandom > "$W/data"
            cp "$W/data" "$M/data"
            cmp "$W/data" "$M/data"
            """);
        var (all1, ring1) = Counts(m);
        Assert.True(ring1 - ring0 >= 300, $"ring requests {ring0} -> {ring1}, all {all0} -> {all1}");
        // Only INIT and what the kernel still sends on /dev/fuse (FORGET, INTERRUPT) bypass the rings.
        long offRing = (all1 - ring1) - (all0 - ring0);
        Assert.True(offRing <= 20, $"{offRing} requests of {all1 - all0} did not come by the rings");
    }

    [Fact]
    public void Off_WithTheParameterOn_RequestsStayOnDevFuse()
    {
        UringParameter.Set("Y");
        var m = Start("off");
        Assert.Equal("/dev/fuse", m.Daemon.Transport);
        Assert.Contains("FUSE transport: /dev/fuse (uring: off)", m.Daemon.Log, StringComparison.Ordinal);
        m.Ok("ls -l \"$M\" > /dev/null; echo x > \"$M/f\"; cat \"$M/f\" > /dev/null");
        var (all, ring) = Counts(m);
        Assert.True(all > 5, m.Daemon.Log);
        Assert.Equal(0, ring);
    }

    [Fact]
    public void On_WithTheParameterOff_MountFailsNamingTheParameter()
    {
        UringParameter.Set("N");
        string dir = Directory.CreateTempSubdirectory("storagefs-uring-").FullName;
        try
        {
            ShellResult r = Shell.Run($"'{Tree.TreeDaemon.DotnetHost}' '{Tree.TreeDaemon.StorageFsDll}' demo '{dir}' --uring on");
            Assert.Equal(1, r.ExitCode);
            Assert.Contains("uring: on, but /sys/module/fuse/parameters/enable_uring is N", r.Stderr, StringComparison.Ordinal);
            Assert.False(MountTable.IsFuseMounted(dir), r.ToString());
        }
        finally
        {
            Unmounter.ForceUnmount(dir);
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Auto_WithTheParameterOff_ServesThroughDevFuse_AndSaysWhy()
    {
        UringParameter.Set("N");
        var m = Start("auto");
        Assert.Equal("/dev/fuse", m.Daemon.Transport);
        Assert.Contains("FUSE transport: /dev/fuse (/sys/module/fuse/parameters/enable_uring is N)", m.Daemon.Log, StringComparison.Ordinal);
        m.Ok("echo x > \"$M/f\"; cat \"$M/f\"");
        Assert.Equal(0, Counts(m).Ring);
    }

    [Fact]
    public void On_ManyBlockingLocksPark_BeyondTheEntriesOfAQueue_AndEachIsAnsweredThroughItsEntry()
    {
        UringParameter.Set("Y");
        var m = Start("on");
        // 40 waiters on one lock: more than the 8 entries a queue starts with, on 2 CPUs. Each
        // parks (SETLKW), keeps its entry, and is answered when the holder before it unlocks.
        // Three rounds: a round hung before the queue's pump (a burst queued in the kernel
        // behind entries that all parked).
        // A hang (seen twice in full CI runs, never alone) is diagnosed before the script's own
        // timeout: what the kernel still waits for, where each flock of this mount sleeps, and
        // the daemon's connection state (SIGUSR1).
        ShellResult r = m.Sh("""
            set -u
            touch "$M/lk"
            rounds() {
              for round in 1 2 3; do
                flock -x "$M/lk" sleep 0.5 &
                sleep 0.2
                for i in $(seq 40); do flock -x "$M/lk" true & done
                wait
              done
            }
            rounds & P=$!
            for t in $(seq 900); do kill -0 $P 2>/dev/null || break; sleep 0.1; done
            if kill -0 $P 2>/dev/null; then
              echo "still running after 90 s"
              for c in /sys/fs/fuse/connections/*/; do echo "connection $c waiting $(cat "$c/waiting")"; done
              for p in $(pgrep -f "flock -x $M/lk"); do
                echo "pid $p: $(tr '\0' ' ' < /proc/$p/cmdline 2>/dev/null) wchan $(cat /proc/$p/wchan 2>/dev/null)"
                cat /proc/$p/stack 2>/dev/null | head -8
              done
              exit 3
            fi
            wait $P
            stat -c %s "$M/lk"
            echo done
            """, timeout: TimeSpan.FromSeconds(120));
        if (!r.Succeeded)
        {
            m.Daemon.Signal("USR1");
            var clock = Stopwatch.StartNew();
            while (!m.Daemon.Log.Contains("FUSE connection state: ", StringComparison.Ordinal) && clock.Elapsed < TimeSpan.FromSeconds(10))
                Thread.Sleep(50);
            Assert.Fail(m.Describe(r));
        }
        string output = r.Stdout;
        Assert.EndsWith("done\n", output, StringComparison.Ordinal);
        var (_, ring) = Counts(m);
        Assert.True(ring >= 240, $"{ring} ring requests for 123 opens and lock waits\n{m.Daemon.Log}");
        Assert.DoesNotContain("[ERR]", m.Daemon.Log, StringComparison.Ordinal);
    }

    [Fact]
    public void On_AnInterruptedParkedRequest_GetsEINTR_AndTheQueueServesOn()
    {
        UringParameter.Set("Y");
        var m = Start("on");
        string output = m.Ok("""
            touch "$M/lk"
            flock -x "$M/lk" sleep 3 &
            sleep 0.3
            rc=0; timeout -s INT 0.5 flock -x "$M/lk" true || rc=$?
            echo "rc=$rc"
            for i in $(seq 50); do stat "$M/lk" > /dev/null; done
            wait
            echo done
            """, timeout: TimeSpan.FromSeconds(30));
        // timeout(1) reports 124 when it had to signal the command: the wait ended by the signal.
        Assert.Contains("rc=124", output, StringComparison.Ordinal);
        Assert.EndsWith("done\n", output, StringComparison.Ordinal);
    }

    [Fact]
    public void On_TheDaemonStops_WithARequestParked()
    {
        UringParameter.Set("Y");
        var m = Start("on");
        m.Ok("""
            touch "$M/lk"
            setsid flock -x "$M/lk" sleep 30 > /dev/null 2>&1 < /dev/null & echo $! > "$W/holder"
            sleep 0.3
            setsid flock -x "$M/lk" true > /dev/null 2>&1 < /dev/null & echo $! > "$W/waiter"
            sleep 0.3
            """);
        m.Daemon.Signal("TERM");
        Assert.True(m.Daemon.WaitForExit(TimeSpan.FromSeconds(15)), $"the daemon did not exit within 15 s of SIGTERM\n{m.Daemon.Log}");
        Assert.Contains("FUSE requests served: ", m.Daemon.Log, StringComparison.Ordinal);
        // The holder's sleep outlives the mount: end it and the waiter, by their ids.
        m.Sh("kill -9 -- -$(cat \"$W/holder\") -$(cat \"$W/waiter\") 2>/dev/null; true");
    }
}
