using StorageFs.IntegrationTests.Tree;

namespace StorageFs.IntegrationTests.Faults;

/// <summary>
/// Descriptor exhaustion. Each open of a volume costs the daemon descriptors;
/// one user opening a world-readable volume without end used to fill the daemon's descriptor
/// table, after which the .NET runtime could not start a thread and the daemon died. Now one
/// user gets EMFILE at its limit (maxOpenPerUser) while root and others go on, and a table
/// filled anyway (here: its limit lowered under the daemon) answers EMFILE to the caller, never
/// a crash. The hostile user is nobody (setpriv), holding its descriptors in python3.
/// </summary>
public sealed class OpenHandleLimitTests
{
    private const int Cap = 300;

    // Opens each PATH in turn until it fails, up to N opens in all, and keeps them open; prints
    // "opened K ERRNO" (ERRNO of the last failure, "-" when all N opened), then holds them until
    // the file RELEASE exists (at most 120 s), or exits at once when RELEASE is named "-".
    private const string Holder = """
        import errno, os, sys, time
        release, n, paths = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
        fds, err = [], "-"
        for path in paths:
            while len(fds) < n:
                try:
                    fds.append(os.open(path, os.O_RDONLY))
                except OSError as e:
                    err = errno.errorcode.get(e.errno, str(e.errno))
                    break
        print(f"opened {len(fds)} {err}", flush=True)
        deadline = time.time() + 120
        while os.path.basename(release) != "-" and not os.path.exists(release) and time.time() < deadline:
            time.sleep(0.05)
        """;

    private static void Prepare(TreeMount tree, string pool)
    {
        Preflight.RequireTool("/usr/bin/python3", "python3");
        File.WriteAllText(Path.Combine(tree.WorkDir, "hold.py"), Holder);
        tree.Ok($"""
            echo "<volume><name>w.raw</name><capacity>1048576</capacity><target><format type='raw'/><permissions><mode>0644</mode></permissions></target></volume>" > "$M/pools/{pool}/create"
            test "$(stat -c %a "$M/pools/{pool}/volumes/w.raw")" = 644
            """);
    }

    /// <summary>Starts nobody's holder on <paramref name="path"/> in the background; returns its "opened K ERRNO" line.</summary>
    private static string HoldAsNobody(TreeMount tree, string path, int n, string release, string? thenPath = null)
    {
        string line = tree.Ok($"""
            rm -f "$W/{release}" "$W/{release}.out"
            prlimit --nofile=8192:8192 setpriv --reuid=65534 --regid=65534 --clear-groups \
              /usr/bin/python3 "$W/hold.py" "$W/{release}" {n} "$M/{path}" {(thenPath is null ? "" : $"\"$M/{thenPath}\"")} > "$W/{release}.out" 2>&1 &
            echo $! > "$W/{release}.pid"
            for _ in $(seq 600); do grep -q opened "$W/{release}.out" && break; sleep 0.05; done
            cat "$W/{release}.out"
            """).Trim();
        Assert.StartsWith("opened ", line, StringComparison.Ordinal);
        return line;
    }

    /// <summary>Lets the holder go and waits for it to exit.</summary>
    private static void Release(TreeMount tree, string release) =>
        tree.Ok($"""
            touch "$W/{release}"
            pid=$(cat "$W/{release}.pid")
            for _ in $(seq 200); do kill -0 $pid 2>/dev/null || break; sleep 0.05; done
            ! kill -0 $pid 2>/dev/null
            """);

    [Fact]
    public void AUserAtItsLimit_GetsEMFILE_RootAndOthersGoOn_AndItsCountReturnsToZeroWhenItExits()
    {
        using var tree = TreeMount.StartWithConfig($"\"maxOpenPerUser\": {Cap}");
        Assert.Contains("Descriptor limit (RLIMIT_NOFILE)", tree.Daemon.Log, StringComparison.Ordinal);
        Assert.Contains($"Open files and directories: {Cap} per user", tree.Daemon.Log, StringComparison.Ordinal);
        string pool = tree.NewRunningPool("cap");
        Prepare(tree, pool);
        string volume = $"pools/{pool}/volumes/w.raw";

        Assert.Equal($"opened {Cap} EMFILE", HoldAsNobody(tree, volume, 10 * Cap, "first"));
        try
        {
            string line = tree.AssertLastError(volume, "EMFILE", op: "open");
            Assert.Contains(" uid=65534 ", line, StringComparison.Ordinal);
            Assert.Contains($"maxOpenPerUser {Cap}", line, StringComparison.Ordinal);
            // Root opens the same volume, reads info, defines a pool; another user still opens.
            tree.Ok($"""
                cmp "$M/{volume}" "$M/{volume}"
                grep -q '^State: *running' "$M/pools/{pool}/info"
                setpriv --reuid=65533 --regid=65533 --clear-groups cat "$M/{volume}" > /dev/null
                setpriv --reuid=65533 --regid=65533 --clear-groups ls "$M/pools" > /dev/null
                """);
            tree.NewRunningPool("root");
            Assert.False(tree.Daemon.WaitForExit(TimeSpan.Zero), "the daemon exited\n" + tree.Daemon.Log);
        }
        finally
        {
            Release(tree, "first");
        }

        // RELEASE reaches the daemon shortly after the holder exits: then nobody may open
        // Cap again, and no more.
        var clock = Stopwatch.StartNew();
        string again;
        do
        {
            again = HoldAsNobody(tree, volume, Cap, "-");
        }
        while (again != $"opened {Cap} -" && clock.Elapsed < TimeSpan.FromSeconds(10));
        Assert.Equal($"opened {Cap} -", again);
        Assert.Equal($"opened {Cap} EMFILE", HoldAsNobody(tree, volume, Cap + 1, "-"));
    }

    [Fact]
    public void AFullDescriptorTable_AnswersEMFILE_ToEachCaller_AndTheDaemonLives()
    {
        using var tree = TreeMount.Start();
        string pool = tree.NewRunningPool("full");
        Prepare(tree, pool);
        string volume = $"pools/{pool}/volumes/w.raw";
        // Leave the daemon 100 descriptors more than it holds, far below its handle limits
        // (computed at start from the limit it had then), so the table itself runs out.
        tree.Ok($"""
            n=$(ls /proc/{tree.Daemon.Pid}/fd | wc -l)
            prlimit --pid {tree.Daemon.Pid} --nofile=$((n + 100)):$((n + 100))
            """);

        // A volume open costs 2 descriptors; the last failed one may leave 1 free: an item
        // file (1 descriptor an open) takes it.
        tree.Ok("""
            mkdir "$M/fspools/default/items/open" && echo x > "$M/fspools/default/items/open/f"
            chmod 755 "$M/fspools/default/items/open" && chmod 644 "$M/fspools/default/items/open/f"
            """);
        string held = HoldAsNobody(tree, volume, 10_000, "full", thenPath: "fspools/default/items/open/f");
        try
        {
            Assert.Matches(@"^opened \d+ EMFILE$", held);
            tree.AssertLastError(volume, "EMFILE", op: "open");
            // Root: info is rendered without a descriptor; a definition needs one and gets EMFILE.
            tree.Ok($"grep -q '^State: *running' \"$M/pools/{pool}/info\"");
            ShellResult define = tree.Sh($"""echo "{tree.PoolXml("late")}" > "$M/define" """);
            Assert.False(define.Succeeded, tree.Describe(define));
            Assert.Contains("Too many open files", define.Stderr, StringComparison.Ordinal);
            Assert.False(tree.Daemon.WaitForExit(TimeSpan.Zero), "the daemon exited\n" + tree.Daemon.Log);
        }
        finally
        {
            Release(tree, "full");
        }

        Thread.Sleep(500); // RELEASE of the holder's opens
        tree.NewRunningPoolNamed("late");
        tree.Ok($"cmp \"$M/{volume}\" \"$M/{volume}\" && ls \"$M/pools/late\" > /dev/null");
        Assert.False(tree.Daemon.WaitForExit(TimeSpan.Zero), "the daemon exited\n" + tree.Daemon.Log);
    }
}
