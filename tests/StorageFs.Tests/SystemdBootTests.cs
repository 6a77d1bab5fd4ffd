using System.Diagnostics;
using static StorageFs.Tests.Shell;

namespace StorageFs.Tests;

/// <summary>
/// The installed unit under a real systemd as PID 1: a minimal Debian root filesystem made by
/// debootstrap (tests/systemd/make-rootfs, cached), the package built by packaging/build-deb
/// installed into a throwaway overlay of it, booted with <c>systemd-nspawn --boot</c>. All of it
/// runs in a mount namespace of its own with a tmpfs on /run, so nothing of it (the overlay,
/// nspawn's /run/systemd/nspawn entries) reaches the host, and the container goes with the test.
/// The host needs: root, debootstrap, systemd-container, overlayfs and a reachable Debian mirror.
/// </summary>
public sealed class SystemdBootTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("storagefs-boot-").FullName;
    private Process? _container;
    private int _init;

    public void Dispose()
    {
        if (_container is { HasExited: false })
        {
            if (_init > 0)
                Sh($"nsenter -t {_init} -a systemctl poweroff", TimeSpan.FromSeconds(20));
            if (!_container.WaitForExit(60_000))
            {
                _container.Kill(entireProcessTree: true);
                _container.WaitForExit(10_000);
            }
        }
        _container?.Dispose();
        Sh($"rm -rf '{_work}'");
    }

    [Fact]
    public void TheUnit_UnderRealSystemd_ExposesTheMountToTheHost_AndARestartAfterKill9BringsItBack_AndTheWatchdogRestartsAHungDaemon()
    {
        var rootfs = Sh($"'{RepoRoot()}/tests/systemd/make-rootfs'", TimeSpan.FromMinutes(15));
        Assert.True(rootfs.Code == 0, "no Debian root filesystem to boot: " + rootfs.Output);
        Boot(rootfs.Output.Trim(), BuiltDeb.Path);

        Assert.Equal("", In("systemctl start storagefs.service"));
        string main = In("systemctl show -p MainPID --value storagefs.service").Trim();
        // The service mounted in the mount namespace of PID 1 (the host, for the service): no
        // setting of the unit gave it one of its own.
        Assert.Equal(In("readlink /proc/1/ns/mnt"), In($"readlink /proc/{main}/ns/mnt"));
        Assert.Equal(1, StorageMounts());
        Assert.Equal("running\n", In("cat /storage/pools/default/state"));
        string marker = In("find /run/storagefs -mindepth 1 -maxdepth 1 -printf '%i %p\\n'");
        Assert.NotEqual("", marker);

        // A crash: systemd restarts it (Restart=on-failure), ExecStartPre detaches the dead mount,
        // and the new daemon mounts again; autostart markers survive (RuntimeDirectoryPreserve=).
        In($"kill -9 {main}");
        string restarted = WaitFor(() => In("systemctl show -p NRestarts -p ActiveState -p SubState storagefs.service"),
            s => s.Contains("NRestarts=1", StringComparison.Ordinal) && s.Contains("SubState=running", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
        Assert.Contains("ActiveState=active", restarted, StringComparison.Ordinal);
        string main2 = In("systemctl show -p MainPID --value storagefs.service").Trim();
        Assert.NotEqual(main, main2);
        Assert.Equal("running\n", WaitFor(() => In("cat /storage/pools/default/state 2>&1"), s => s == "running\n", TimeSpan.FromSeconds(30)));
        Assert.Equal(1, StorageMounts());
        Assert.Equal(marker, In("find /run/storagefs -mindepth 1 -maxdepth 1 -printf '%i %p\\n'"));

        // A hang: with the watchdog shortened by a drop-in, a stopped daemon sends no WATCHDOG=1,
        // systemd aborts it and starts it again.
        In("mkdir -p /run/systemd/system/storagefs.service.d && " +
           "printf '[Service]\\nWatchdogSec=3\\nTimeoutAbortSec=2\\n' > /run/systemd/system/storagefs.service.d/watchdog.conf && " +
           "systemctl daemon-reload && systemctl restart storagefs.service");
        string main3 = WaitFor(() => In("systemctl show -p MainPID --value storagefs.service").Trim(), s => s is not "0" and not "", TimeSpan.FromSeconds(30));
        Assert.Equal("running\n", WaitFor(() => In("cat /storage/pools/default/state 2>&1"), s => s == "running\n", TimeSpan.FromSeconds(30)));
        Thread.Sleep(4000); // a few watchdog periods of a healthy daemon: no restart
        Assert.Equal(main3, In("systemctl show -p MainPID --value storagefs.service").Trim());
        In($"kill -STOP {main3}");
        WaitFor(() => In("systemctl show -p MainPID -p SubState --value storagefs.service"),
            s => s.Split('\n')[0] is var pid && pid != main3 && pid != "0" && s.Contains("running", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
        Assert.Contains("watchdog", In("journalctl -u storagefs.service --no-pager -o cat | grep -i watchdog"), StringComparison.OrdinalIgnoreCase);
        Assert.Equal("running\n", WaitFor(() => In("cat /storage/pools/default/state 2>&1"), s => s == "running\n", TimeSpan.FromSeconds(30)));
        Assert.Equal(1, StorageMounts());

        // A clean stop unmounts.
        Assert.Equal("", In("systemctl stop storagefs.service"));
        Assert.Equal(0, StorageMounts());
    }

    /// <summary>Boots the root filesystem (an overlay, its upper layer in the test's directory)
    /// with the package installed, and waits for systemd to finish starting up.</summary>
    private void Boot(string rootfs, string deb)
    {
        string name = "sfs-test-" + Guid.NewGuid().ToString("N")[..8];
        string script =
            "set -e\n" +
            "mount -t tmpfs -o mode=0755 tmpfs /run\n" +
            $"cd '{_work}'; mkdir upper work root\n" +
            $"mount -t overlay overlay -o lowerdir='{rootfs}',upperdir='{_work}/upper',workdir='{_work}/work' '{_work}/root'\n" +
            $"cp '{deb}' root/var/tmp/storagefs.deb\n" +
            $"systemd-nspawn -q -D root --register=no --keep-unit --machine={name} dpkg -i /var/tmp/storagefs.deb > dpkg.log 2>&1 || {{ cat dpkg.log >&2; exit 1; }}\n" +
            $"exec systemd-nspawn -q --boot -D root --register=no --keep-unit --machine={name} --bind=/dev/fuse --console=pipe\n";
        File.WriteAllText(Path.Combine(_work, "boot.sh"), script);
        _container = Process.Start(new ProcessStartInfo("unshare", ["--mount", "--propagation", "private", "bash", Path.Combine(_work, "boot.sh")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var console = new System.Text.StringBuilder();
        _container.OutputDataReceived += (_, e) => { lock (console) console.AppendLine(e.Data); };
        _container.ErrorDataReceived += (_, e) => { lock (console) console.AppendLine(e.Data); };
        _container.BeginOutputReadLine();
        _container.BeginErrorReadLine();

        var clock = Stopwatch.StartNew();
        while (_init == 0)
        {
            Assert.False(_container.HasExited, "the container did not boot:\n" + Text(console));
            Assert.True(clock.Elapsed < TimeSpan.FromMinutes(2), "systemd did not start in the container:\n" + Text(console));
            var init = Sh($"pgrep -P {_container.Id} -x systemd");
            if (init.Code == 0)
                _init = int.Parse(init.Output.Split('\n')[0]);
            else
                Thread.Sleep(200);
        }
        Assert.Equal("systemd\n", In("cat /proc/1/comm"));
        string state = WaitFor(() => In("systemctl is-system-running"), s => s.Trim() is "running" or "degraded", TimeSpan.FromMinutes(2));
        Assert.True(state.Trim() == "running", "the container booted " + state + In("systemctl --failed --no-pager"));
    }

    private static string Text(System.Text.StringBuilder sb)
    {
        lock (sb)
            return sb.ToString();
    }

    /// <summary>Runs a shell command inside the container, in all its namespaces, as PID 1's
    /// children are (outside the service).</summary>
    private string In(string command) =>
        Sh($"nsenter -t {_init} -a sh -c {Quote(command)}", TimeSpan.FromSeconds(90)).Output;

    private int StorageMounts() =>
        In("cat /proc/1/mountinfo").Split('\n').Count(l => l.Contains(" /storage ", StringComparison.Ordinal) && l.Contains(" fuse.storagefs ", StringComparison.Ordinal));

    private static string WaitFor(Func<string> probe, Func<string, bool> done, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        string last = probe();
        while (!done(last))
        {
            Assert.True(clock.Elapsed < timeout, "still not there after " + timeout + ": " + last);
            Thread.Sleep(250);
            last = probe();
        }
        return last;
    }

    private static string Quote(string s) => "'" + s.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
