using System.Diagnostics;

namespace StorageFs.Tests;

/// <summary>
/// The command line behaves like a Unix tool (storagefs(8), "EXIT STATUS"): help on stdout with
/// exit 0, <c>--version</c> and <c>-h</c> at every level, errors on stderr prefixed
/// <c>storagefs:</c>, exit 2 for usage, 1 for failure; a failed start creates nothing; a bad
/// configuration names its key; one daemon per state directory and mountpoint.
/// </summary>
public sealed class CliConventionTests
{
    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("help")]
    [InlineData("mount", "--help")]
    [InlineData("mount", "-h")]
    [InlineData("unmount", "-h")]
    [InlineData("xml", "--help")]
    [InlineData("version", "-h")]
    [InlineData("demo", "-h")]
    [InlineData("help", "mount")]
    public void Help_IsPrintedOnStdout_AndExitsZero(params string[] args)
    {
        var (code, stdout, stderr) = CliRunner.Run(null, args);

        Assert.True(code == 0, $"exit {code}\n{stderr}");
        Assert.Equal("", stderr);
        Assert.StartsWith("storagefs ", stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--version")]
    [InlineData("version")]
    [InlineData("mount", "--version")]
    [InlineData("unmount", "--version")]
    [InlineData("xml", "--version")]
    [InlineData("demo", "--version")]
    public void Version_WorksAtEveryLevel_OnStdout(params string[] args)
    {
        var (code, stdout, stderr) = CliRunner.Run(null, args);

        Assert.True(code == 0, $"exit {code}\n{stderr}");
        Assert.StartsWith("storagefs: ", stdout, StringComparison.Ordinal);
        Assert.Contains("fuse protocol: 7.45", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void TheVerbList_NamesVersionOnce()
    {
        var (_, stdout, _) = CliRunner.Run(null, "--help");

        Assert.Single(stdout.Split('\n'), l => l.TrimStart().StartsWith("version ", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("storagefs: unknown command 'bogus'", "bogus")]
    [InlineData("storagefs: missing MOUNTPOINT", "mount")]
    [InlineData("storagefs: no command given", new string[0])]
    [InlineData("storagefs: ", "mount", "/x", "--no-such-option")]
    [InlineData("storagefs: unknown mount option 'frobnicate'", "mount", "/x", "-o", "frobnicate")]
    [InlineData("storagefs: mount option uring=sometimes: expected auto, on or off", "mount", "/x", "-o", "uring=sometimes")]
    [InlineData("storagefs: --uring yes: expected auto, on or off", "mount", "/x", "--uring", "yes")]
    [InlineData("storagefs: unexpected argument", "storagefs", "/x", "--what")]
    public void UsageErrors_GoToStderr_PrefixedStorageFs_AndExitTwo(string message, params string[] args)
    {
        var (code, stdout, stderr) = CliRunner.Run(null, args);

        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.StartsWith(message, stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void AFailedStart_OnAMissingMountpoint_CreatesNothing_AndExitsOne()
    {
        using var scratch = new Scratch();
        string state = Path.Combine(scratch.Root, "state");
        string run = Path.Combine(scratch.Root, "run");
        string config = scratch.Config($$"""{ "runtimeDir": "{{run}}" }""");

        var (code, _, stderr) = CliRunner.Run(null, "mount", Path.Combine(scratch.Root, "no-such-dir"), "--state-dir", state, "--config", config);

        Assert.Equal(1, code);
        Assert.StartsWith($"storagefs: mountpoint {scratch.Root}/no-such-dir does not exist", stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(state), "the state directory was created by a failed start");
        Assert.False(Directory.Exists(run), "the runtime directory was created by a failed start");
    }

    [Theory]
    [InlineData("""{ "stateDir": "relative/dir" }""", "key 'stateDir': 'relative/dir' is not an absolute path")]
    [InlineData("""{ "allowedDirectories": ["/srv", "pools"] }""", "key 'allowedDirectories': 'pools' is not an absolute path")]
    [InlineData("""{ "defaultPools": "yes" }""", "key 'defaultPools': expected true or false")]
    [InlineData("""{ "allowedDirectories": "/srv" }""", "key 'allowedDirectories': expected an array of strings")]
    [InlineData("""{ "stateDri": "/var/lib/x" }""", "unknown key 'stateDri'")]
    [InlineData("""{ "uring": "maybe" }""", "key 'uring': expected auto, on or off, got \"maybe\"")]
    [InlineData("""{ "cluster": { "name": "c", "host": "h" } }""", "key 'cluster': 'endpoints' must name at least one etcd client URL")]
    [InlineData("""{ "cluster": { "endpoints": ["http://127.0.0.1:2379"], "name": "c", "host": "h/1" } }""", "key 'cluster': host name 'h/1' must be")]
    [InlineData("""{ "stateDir": """, "not valid JSON")]
    [InlineData("""{ "itemCacheSeconds": 61 }""", "key 'itemCacheSeconds': expected seconds from 0 to 60, got 61")]
    [InlineData("""{ "itemCacheSeconds": -1 }""", "key 'itemCacheSeconds': expected seconds from 0 to 60, got -1")]
    [InlineData("""{ "itemCacheSeconds": "1" }""", "key 'itemCacheSeconds': expected a number")]
    public void ABadConfiguration_IsOneLineNamingTheKey_ExitTwo_AndCreatesNothing(string json, string message)
    {
        using var scratch = new Scratch();
        string config = scratch.Config(json);
        string mnt = Directory.CreateDirectory(Path.Combine(scratch.Root, "mnt")).FullName;

        var (code, stdout, stderr) = CliRunner.Run(null, "mount", mnt, "--config", config);

        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Single(stderr.TrimEnd('\n').Split('\n'));
        Assert.StartsWith($"storagefs: {config}: ", stderr, StringComparison.Ordinal);
        Assert.Contains(message, stderr, StringComparison.Ordinal);
        Assert.Equal(["mnt", "storagefs.json"], Directory.GetFileSystemEntries(scratch.Root).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void ASecondDaemon_OnTheSameStateDirectory_IsRefused_NamingTheFirst()
    {
        using var daemon = new MountedDaemon();
        string other = Directory.CreateDirectory(Path.Combine(daemon.Root, "mnt2")).FullName;

        var (code, _, stderr) = CliRunner.Run(null, "mount", other, "--state-dir", Path.Combine(daemon.Root, "state"),
            "--config", Path.Combine(daemon.Root, "storagefs.json"));

        Assert.Equal(1, code);
        Assert.Equal($"storagefs: state directory {daemon.Root}/state is in use by another storagefs daemon (pid {daemon.Process.Id}); lock {daemon.Root}/state/lock\n", stderr);
        Assert.Null(MountedDaemon.MountType(other));
        Assert.Equal("fuse.storagefs", MountedDaemon.MountType(daemon.MountPoint));
    }

    [Fact]
    public void MountingOverALiveStoragefsMount_IsRefused_AndTheFirstKeepsServing()
    {
        using var daemon = new MountedDaemon();

        var (code, _, stderr) = CliRunner.Run(null, "mount", daemon.MountPoint, "--state-dir", Path.Combine(daemon.Root, "state2"),
            "--config", Path.Combine(daemon.Root, "storagefs.json"));

        Assert.Equal(1, code);
        Assert.StartsWith($"storagefs: {daemon.MountPoint} is already a storagefs mount served by a live daemon", stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(daemon.Root, "state2")));
        Assert.Contains("pools", Directory.GetFileSystemEntries(daemon.MountPoint).Select(Path.GetFileName));
        Assert.False(daemon.Process.HasExited);
    }

    [Fact]
    public void TheMountFuse3Form_ReturnsOnceMounted_WithTheDaemonInTheBackground()
    {
        using var scratch = new Scratch();
        string mnt = Directory.CreateDirectory(Path.Combine(scratch.Root, "mnt")).FullName;
        string config = scratch.Config($$"""{ "runtimeDir": "{{scratch.Root}}/run", "defaultPools": false }""");
        try
        {
            var (code, stdout, stderr) = CliRunner.Run(null, "storagefs", mnt, "-o", $"rw,nosuid,nodev,allow_other,config={config},state_dir={scratch.Root}/state");

            Assert.True(code == 0, $"exit {code}\n{stdout}{stderr}");
            Assert.Equal("fuse.storagefs", MountedDaemon.MountType(mnt));
            Assert.Contains("pools", Directory.GetFileSystemEntries(mnt).Select(Path.GetFileName));
        }
        finally
        {
            CliRunner.Run(null, "unmount", "-z", mnt);
            WaitUntilGone(Path.Combine(scratch.Root, "state", "lock"));
        }
    }

    [Fact]
    public void TheMountFuse3Form_WithABadOption_FailsWithTheDaemonsMessage_AndCreatesNothing()
    {
        using var scratch = new Scratch();
        string mnt = Directory.CreateDirectory(Path.Combine(scratch.Root, "mnt")).FullName;

        var (code, _, stderr) = CliRunner.Run(null, "storagefs", mnt, "-o", $"state_dir={scratch.Root}/state,log_level=loud");

        Assert.Equal(2, code);
        Assert.StartsWith("storagefs: mount option log_level=loud", stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(scratch.Root, "state")));
    }

    // The daemon started in the background holds the state lock until it has exited.
    private static void WaitUntilGone(string lockFile)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(20))
        {
            using var probe = Process.Start(new ProcessStartInfo("flock", ["-n", lockFile, "true"]) { UseShellExecute = false })!;
            probe.WaitForExit();
            if (probe.ExitCode == 0)
                return;
            Thread.Sleep(100);
        }
    }

    private sealed class Scratch : IDisposable
    {
        public string Root { get; } = Directory.CreateTempSubdirectory("storagefs-cli-").FullName;

        public string Config(string json)
        {
            string path = Path.Combine(Root, "storagefs.json");
            File.WriteAllText(path, json);
            return path;
        }

        public void Dispose() => Directory.Delete(Root, recursive: true);
    }
}
