using System.Diagnostics;
using System.Text.RegularExpressions;

namespace StorageFs.IntegrationTests.Tree;

/// <summary>
/// A scratch directory holding a mountpoint (<c>mnt/</c>), a state directory (<c>state/</c>,
/// where pool targets go too: <c>state/pools/NAME</c>), room for host files (<c>work/</c>) and
/// a configuration file, plus the <c>storagefs mount</c> daemons that served the mountpoint,
/// newest last. The configuration keeps the runtime directory (the once-per-boot autostart
/// marker) inside the scratch directory, so runs never share /run/storagefs. Scripts run with
/// M, S and W naming the three directories, and SFS the command running storagefs. Dispose
/// stops every daemon, aborts and detaches any mount still there, then deletes the scratch
/// directory.
/// </summary>
public sealed partial class TreeMount : IDisposable
{
    private readonly List<TreeDaemon> _daemons = [];
    private readonly Dictionary<string, string> _environment;
    private readonly string[] _arguments;
    private IReadOnlyList<string>? _wrapper;
    private string? _shellPrefix;
    private int _names;

    private TreeMount(bool allowOtherInConfig, string[] arguments, string extraConfig = "")
    {
        Root = Directory.CreateTempSubdirectory("storagefs-tree-").FullName;
        // Other users must reach the mountpoint for the permission tests (the kernel checks
        // search permission on every directory above it).
        File.SetUnixFileMode(Root, (UnixFileMode)0x1ED);
        MountPoint = Directory.CreateDirectory(Path.Combine(Root, "mnt")).FullName;
        StateDir = Directory.CreateDirectory(Path.Combine(Root, "state")).FullName;
        WorkDir = Directory.CreateDirectory(Path.Combine(Root, "work")).FullName;
        RuntimeDir = Path.Combine(Root, "run");
        ConfigFile = Path.Combine(Root, "storagefs.json");
        File.WriteAllText(ConfigFile, $$"""
            {
              "allowedDirectories": ["/var/lib/storagefs", "/srv", "{{StateDir}}"],
              "runtimeDir": "{{RuntimeDir}}",
              "allowOther": {{(allowOtherInConfig ? "true" : "false")}}{{(extraConfig.Length > 0 ? ",\n  " + extraConfig : "")}}
            }
            """);
        _arguments = ["--state-dir", StateDir, "--config", ConfigFile, .. arguments];
        _environment = new()
        {
            ["M"] = MountPoint,
            ["S"] = StateDir,
            ["W"] = WorkDir,
            ["SFS"] = $"{TreeDaemon.DotnetHost} {TreeDaemon.StorageFsDll}",
        };
    }

    public string Root { get; }

    public string MountPoint { get; }

    public string StateDir { get; }

    public string WorkDir { get; }

    public string RuntimeDir { get; }

    public string ConfigFile { get; }

    /// <summary>The newest daemon.</summary>
    public TreeDaemon Daemon => _daemons[^1];

    /// <summary>
    /// Mounts the tree on a fresh state directory. <paramref name="allowOtherInConfig"/> is the
    /// configuration's <c>allowOther</c>; <paramref name="arguments"/> are added to the command line.
    /// </summary>
    public static TreeMount Start(bool allowOtherInConfig = true, params string[] arguments)
    {
        var mount = new TreeMount(allowOtherInConfig, arguments);
        try
        {
            mount._daemons.Add(TreeDaemon.Start(mount.MountPoint, mount._arguments));
        }
        catch
        {
            mount.Dispose();
            throw;
        }
        return mount;
    }

    /// <summary>Mounts the tree with <paramref name="extraConfig"/> (JSON members, e.g. <c>"maxOpenPerUser": 300</c>) added to the configuration.</summary>
    public static TreeMount StartWithConfig(string extraConfig, params string[] arguments)
    {
        var mount = new TreeMount(allowOtherInConfig: true, arguments, extraConfig);
        try
        {
            mount._daemons.Add(TreeDaemon.Start(mount.MountPoint, mount._arguments));
        }
        catch
        {
            mount.Dispose();
            throw;
        }
        return mount;
    }

    /// <summary>
    /// Mounts the tree with every daemon started through <paramref name="wrapper"/> (an argv
    /// prefix that execs the rest, e.g. <c>nsenter --net=NS -- env VAR=…</c>: a daemon that must
    /// reach a cluster living in its own network namespace). With <paramref name="shellPrefix"/>
    /// (a shell command prefix that execs the rest, e.g. <c>nsenter --net=NS --mount=MNT --wd=. --</c>)
    /// every script of <see cref="Sh"/>, <see cref="Ok"/> and <see cref="Fails"/> runs through it:
    /// a daemon whose mount lives in a mount namespace of its own is reached there.
    /// </summary>
    public static TreeMount StartWrapped(IReadOnlyList<string> wrapper, string extraConfig = "", string? shellPrefix = null)
    {
        var mount = new TreeMount(allowOtherInConfig: true, [], extraConfig) { _wrapper = wrapper, _shellPrefix = shellPrefix };
        try
        {
            mount._daemons.Add(TreeDaemon.Start(mount.MountPoint, mount._arguments, wrapper));
        }
        catch
        {
            mount.Dispose();
            throw;
        }
        return mount;
    }

    /// <summary>
    /// SIGTERM to the daemon, which must unmount and exit 0 within 10 s; then a new daemon on
    /// the same state directory.
    /// </summary>
    public TreeDaemon Restart()
    {
        TreeDaemon old = Daemon;
        old.Signal("TERM");
        Assert.True(old.WaitForExit(TimeSpan.FromSeconds(10)), $"storagefs still running 10 s after SIGTERM\n--- daemon log ---\n{old.Log}");
        Assert.True(old.ExitCode == 0, $"storagefs exited {old.ExitCode} after SIGTERM\n--- daemon log ---\n{old.Log}");
        Assert.False(MountTable.IsMounted(MountPoint), $"{MountPoint} still mounted after the daemon exited\n--- daemon log ---\n{old.Log}");
        var daemon = TreeDaemon.Start(MountPoint, _arguments, _wrapper);
        _daemons.Add(daemon);
        return daemon;
    }

    /// <summary>
    /// SIGKILL to the daemon, reaped, then at once a new daemon on the same state directory and
    /// mountpoint, which finds the dead mount still there.
    /// </summary>
    public TreeDaemon KillAndRestart()
    {
        TreeDaemon old = Daemon;
        old.Signal("KILL");
        Assert.True(old.WaitForExit(TimeSpan.FromSeconds(10)), $"storagefs still running 10 s after SIGKILL\n--- daemon log ---\n{old.Log}");
        var daemon = TreeDaemon.Start(MountPoint, _arguments, _wrapper);
        _daemons.Add(daemon);
        return daemon;
    }

    /// <summary>A new daemon on the same state directory and mountpoint, once the last one has
    /// exited (a host that was down coming back).</summary>
    public TreeDaemon StartAgain()
    {
        Assert.True(Daemon.WaitForExit(TimeSpan.FromSeconds(10)), $"storagefs still running\n--- daemon log ---\n{Daemon.Log}");
        var daemon = TreeDaemon.Start(MountPoint, _arguments, _wrapper);
        _daemons.Add(daemon);
        return daemon;
    }

    /// <summary>The arguments after <c>mount MOUNTPOINT</c> every daemon of this mount gets.</summary>
    public IReadOnlyList<string> Arguments => _arguments;

    /// <summary>A pool or fspool name no other test of this mount uses.</summary>
    public string NewName(string prefix) => $"{prefix}{Interlocked.Increment(ref _names)}";

    /// <summary>A dir pool document whose target is <c>$S/pools/NAME</c> (or <paramref name="target"/>).</summary>
    public string PoolXml(string name, string? target = null) =>
        $"<pool type='dir'><name>{name}</name><target><path>{target ?? Path.Combine(StateDir, "pools", name)}</path></target></pool>";

    /// <summary>Defines, builds and starts a new dir pool through the tree; returns its name.</summary>
    public string NewRunningPool(string prefix) => NewRunningPoolNamed(NewName(prefix));

    /// <summary>Defines, builds and starts a dir pool called <paramref name="name"/> through the tree; returns its name.</summary>
    public string NewRunningPoolNamed(string name)
    {
        Ok($"""
            echo "{PoolXml(name)}" > "$M/define"
            echo build > "$M/pools/{name}/ctl"
            echo start > "$M/pools/{name}/ctl"
            """);
        return name;
    }

    /// <summary>Defines, builds and starts a dir fspool and makes an item <c>a</c> in it (mode
    /// 0755, root's); returns the fspool's name (the item is <c>$M/fspools/NAME/items/a</c>,
    /// on the host <c>$S/pools/NAME/a</c>).</summary>
    public string NewRunningItem(string prefix)
    {
        string f = NewName(prefix);
        Ok($"""
            echo '<fspool type="dir"><name>{f}</name><target><path>'"$S/pools/{f}"'</path></target></fspool>' > "$M/define"
            echo build > "$M/fspools/{f}/ctl"
            echo start > "$M/fspools/{f}/ctl"
            mkdir "$M/fspools/{f}/items/a" && chmod 755 "$M/fspools/{f}/items/a"
            """);
        return f;
    }

    /// <summary>Runs <paramref name="script"/> with bash in the scratch directory (through the
    /// shell prefix when there is one; the script then travels in the environment).</summary>
    public ShellResult Sh(string script, TimeSpan? timeout = null) =>
        _shellPrefix is null
            ? Shell.Run(script, _environment, Root, timeout)
            : Shell.Run($"exec {_shellPrefix} bash -c \"$STORAGEFS_TEST_SCRIPT\"",
                new Dictionary<string, string>(_environment) { ["STORAGEFS_TEST_SCRIPT"] = script }, Root, timeout);

    // A shell function Ok's scripts may use: `when_free LINE FILE` writes LINE to a ctl FILE,
    // again while it fails with EBUSY only (for up to 10 s); any other failure fails at once. A
    // volume's ctl itself waits 2 s for a closing open (SettleTests); this is for the tests whose
    // volume may be held longer (a job of an earlier command still ending).
    private const string WhenFree = """
        when_free() {
          local i err
          for i in $(seq 100); do
            if err=$( { printf '%s\n' "$1" > "$2"; } 2>&1 ); then return 0; fi
            case $err in *"Device or resource busy"*) sleep 0.1 ;; *) printf '%s\n' "$err" >&2; return 1 ;; esac
          done
          printf '%s\n' "$err" >&2; return 1
        }

        """;

    /// <summary>Runs <paramref name="script"/> under <c>set -euo pipefail</c> (with <c>when_free</c>
    /// defined), fails the test unless it succeeds, returns its stdout.</summary>
    public string Ok(string script, TimeSpan? timeout = null)
    {
        ShellResult r = Sh("set -euo pipefail\n" + WhenFree + script, timeout);
        Assert.True(r.Succeeded, Describe(r));
        return r.Stdout;
    }

    /// <summary>Fails the test unless <paramref name="script"/> fails with <paramref name="expectedError"/> on stderr; returns stderr.</summary>
    public string Fails(string script, string expectedError)
    {
        ShellResult r = Sh(script);
        Assert.False(r.Succeeded, "expected a failure with \"" + expectedError + "\"\n" + Describe(r));
        Assert.True(r.Stderr.Contains(expectedError, StringComparison.Ordinal), "expected \"" + expectedError + "\" on stderr\n" + Describe(r));
        return r.Stderr;
    }

    /// <summary>
    /// The newest line of <c>errors</c> about <paramref name="path"/> (relative to the mount);
    /// fails unless it names <paramref name="errno"/> and <paramref name="op"/>.
    /// </summary>
    public string AssertLastError(string path, string errno, string op = "write")
    {
        string errors = Ok("cat \"$M/errors\"");
        string? line = errors.Split('\n').LastOrDefault(l => l.Contains($" path={path} ", StringComparison.Ordinal));
        Assert.True(line is not null, $"no record for path={path} in errors:\n{errors}");
        Assert.True(line!.Contains($" op={op} ", StringComparison.Ordinal) && line.Contains($" errno={errno} msg={errno}: ", StringComparison.Ordinal),
            $"want op={op} errno={errno} msg={errno}: … for path={path}, got:\n{line}");
        return line;
    }

    /// <summary>The FUSE requests the newest daemon served so far, by opcode (SIGUSR1 makes it
    /// log them: <c>FUSE requests served: …</c>).</summary>
    public Dictionary<string, long> RequestCounts()
    {
        const string Served = "FUSE requests served: ";
        int lines = Regex.Count(Daemon.Log, Served);
        Daemon.Signal("USR1");
        var clock = Stopwatch.StartNew();
        while (Regex.Count(Daemon.Log, Served) == lines && clock.Elapsed < TimeSpan.FromSeconds(20))
            Thread.Sleep(20);
        string line = Daemon.Log.Split('\n').LastOrDefault(l => l.Contains(Served, StringComparison.Ordinal)) ?? "";
        return OpCount().Matches(line).ToDictionary(m => m.Groups[1].Value, m => long.Parse(m.Groups[2].Value));
    }

    /// <summary>How many more <paramref name="op"/> requests <paramref name="after"/> counts than <paramref name="before"/>.</summary>
    public static long Delta(Dictionary<string, long> before, Dictionary<string, long> after, string op) =>
        after.GetValueOrDefault(op) - before.GetValueOrDefault(op);

    [GeneratedRegex(@"\b([A-Z_]+) (\d+)\b")]
    private static partial Regex OpCount();

    /// <summary>A failed script with the daemon's recent log, which usually says why.</summary>
    public string Describe(ShellResult r)
    {
        string log = _daemons.Count > 0 ? Daemon.Log : "";
        string[] lines = log.Split('\n');
        string tail = string.Join('\n', lines[Math.Max(0, lines.Length - 40)..]);
        return $"{r}\n--- daemon log (last 40 lines) ---\n{tail}";
    }

    public void Dispose()
    {
        try
        {
            for (int i = _daemons.Count - 1; i >= 0; i--)
                _daemons[i].Dispose();
        }
        finally
        {
            // A mount left in the daemon's own mount namespace is detached there.
            if (_shellPrefix is not null)
                Shell.Run($"{_shellPrefix} umount -l \"{MountPoint}\" 2>/dev/null");
            Unmounter.ForceUnmount(MountPoint);
            // Only now is mnt/ an empty directory again: deleting through a live mount would
            // delete pools' contents through the filesystem instead.
            Directory.Delete(Root, recursive: true);
        }
    }
}
