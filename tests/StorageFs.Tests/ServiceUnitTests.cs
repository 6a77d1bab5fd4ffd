using System.Diagnostics;

namespace StorageFs.Tests;

public sealed class ServiceUnitTests
{
    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "StorageFs.sln")))
            dir = dir.Parent;
        Assert.True(dir is not null, "StorageFs.sln not found above the test directory");
        return dir!.FullName;
    }

    [Fact]
    public void TheSystemdUnit_VerifiesWithoutAnyWarning()
    {
        // Verified as installed, with /usr/bin/storagefs standing for the built executable
        // (verify checks that ExecStart= is executable) and without looking up man pages.
        string dir = Directory.CreateTempSubdirectory("storagefs-unit-").FullName;
        try
        {
            string unit = File.ReadAllText(Path.Combine(RepoRoot(), "storagefs.service"))
                .Replace("/usr/bin/storagefs", Path.Combine(AppContext.BaseDirectory, "storagefs"), StringComparison.Ordinal);
            File.WriteAllText(Path.Combine(dir, "storagefs.service"), unit);
            // systemd-analyze exits 0 even on parse warnings; they go to stderr.
            var psi = new ProcessStartInfo("systemd-analyze", ["verify", "--man=no", Path.Combine(dir, "storagefs.service")])
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
                UseShellExecute = false,
            };
            using var p = Process.Start(psi)!;
            string err = p.StandardError.ReadToEnd();
            p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            Assert.True(p.ExitCode == 0 && err.Length == 0, $"systemd-analyze verify: exit {p.ExitCode}\n{err}");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static Dictionary<string, List<string>> Settings()
    {
        var settings = new Dictionary<string, List<string>>();
        foreach (var raw in File.ReadLines(Path.Combine(RepoRoot(), "storagefs.service")))
        {
            string line = raw.Trim();
            int eq = line.IndexOf('=');
            if (line.StartsWith('#') || line.StartsWith('[') || eq < 0)
                continue;
            string key = line[..eq];
            if (!settings.TryGetValue(key, out var values))
                settings[key] = values = [];
            values.Add(line[(eq + 1)..]);
        }
        return settings;
    }

    [Fact]
    public void TheSystemdUnit_RunsTheInstalledMountVerbAsANotifyServiceWithAWatchdog()
    {
        var s = Settings();
        Assert.Equal(["notify"], s["Type"]);
        Assert.Equal(["/usr/bin/storagefs mount /storage --allow-other"], s["ExecStart"]);
        Assert.True(int.Parse(s["WatchdogSec"].Single()) > 0);
    }

    [Fact]
    public void TheSystemdUnit_HasNoSettingThatGivesTheServiceItsOwnMountNamespace()
    {
        // systemd.exec(5): each of these sets up a private mount namespace (or a device policy
        // hiding /dev/fuse, for ProtectClock=), so the FUSE mount would not be the host's.
        string[] namespacing =
        [
            "ProtectHome", "ProtectSystem", "ProtectKernelTunables", "ProtectKernelModules", "ProtectKernelLogs",
            "ProtectControlGroups", "ProtectProc", "ProcSubset", "PrivateTmp", "PrivateDevices", "PrivateMounts",
            "PrivateNetwork", "PrivateUsers", "ReadOnlyPaths", "ReadWritePaths", "InaccessiblePaths", "TemporaryFileSystem",
            "BindPaths", "BindReadOnlyPaths", "MountFlags", "RootDirectory", "RootImage", "ProtectClock", "DeviceAllow",
        ];
        var s = Settings();
        Assert.Equal([], namespacing.Where(s.ContainsKey).ToArray());
    }

    [Fact]
    public void TheSystemdUnit_KeepsItsAutostartMarkersAcrossRestarts_AndStartsAfterTheNetworkAndIscsid()
    {
        var s = Settings();
        Assert.Equal(["yes"], s["RuntimeDirectoryPreserve"]);
        var after = s["After"].SelectMany(v => v.Split(' ')).ToHashSet();
        Assert.Superset(new HashSet<string> { "network-online.target", "remote-fs.target", "iscsid.service" }, after);
        Assert.Contains("network-online.target", s["Wants"].Single().Split(' '));
    }
}

/// <summary>
/// systemd's steps for <c>Restart=on-failure</c> after a crash, emulated (no systemd runs as
/// PID 1 on this machine): the daemon is killed with SIGKILL, leaving a dead FUSE mount
/// (ENOTCONN); the unit's own ExecStartPre= line, run as systemd runs it (/bin/sh -c, with
/// /storage replaced by the test's mountpoint), must succeed and leave a directory; the
/// ExecStart= command then mounts again and answers.
/// </summary>
public sealed class ServiceRestartEmulationTests
{
    [Fact]
    public void AfterSIGKILL_TheUnitsExecStartPre_ClearsTheDeadMount_AndTheDaemonMountsAgain()
    {
        string repo = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(repo, "StorageFs.sln")))
            repo = Path.GetDirectoryName(repo)!;
        string pre = File.ReadLines(Path.Combine(repo, "storagefs.service"))
            .Single(l => l.StartsWith("ExecStartPre=", StringComparison.Ordinal))["ExecStartPre=".Length..];
        Assert.StartsWith("/bin/sh -c '", pre, StringComparison.Ordinal);
        string script = pre["/bin/sh -c '".Length..^1];

        using var first = new MountedDaemon();
        first.Process.Kill();
        first.Process.WaitForExit();
        Assert.Equal("fuse.storagefs", MountedDaemon.MountType(first.MountPoint));
        Assert.False(Directory.Exists(first.MountPoint), "the mount should be dead (stat fails with ENOTCONN)");

        using var sh = Process.Start(new ProcessStartInfo("/bin/sh", ["-c", script.Replace("/storage", first.MountPoint, StringComparison.Ordinal)])
        { UseShellExecute = false, RedirectStandardError = true })!;
        string err = sh.StandardError.ReadToEnd();
        sh.WaitForExit();
        Assert.True(sh.ExitCode == 0, "ExecStartPre failed on the dead mount: " + err);
        Assert.True(Directory.Exists(first.MountPoint));
        Assert.Null(MountedDaemon.MountType(first.MountPoint));

        var (code, _, stderr) = CliRunner.Run(null, "storagefs", first.MountPoint, "-o",
            $"config={first.Root}/storagefs.json,state_dir={first.Root}/state");
        Assert.True(code == 0, stderr);
        Assert.Equal("fuse.storagefs", MountedDaemon.MountType(first.MountPoint));
        Assert.Contains("pools", Directory.GetFileSystemEntries(first.MountPoint).Select(Path.GetFileName));
        var (u, _, uerr) = CliRunner.Run(null, "unmount", first.MountPoint);
        Assert.True(u == 0, uerr);
    }
}
