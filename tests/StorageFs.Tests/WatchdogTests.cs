using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace StorageFs.Tests;

/// <summary>
/// <c>WatchdogSec=</c>: under a watchdog (WATCHDOG_USEC) the daemon sends WATCHDOG=1 while its
/// request loop answers a probe through the mount, and stops when the mount no longer answers
/// (here: the FUSE connection aborted through /sys/fs/fuse/connections), so systemd restarts it.
/// </summary>
public sealed class WatchdogTests
{
    [Fact]
    public void WatchdogPings_FlowWhileTheMountAnswers_AndStopWhenItDoesNot()
    {
        string name = "sfs-watchdog-" + Guid.NewGuid().ToString("N");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint("\0" + name));
        using var daemon = new MountedDaemon(new Dictionary<string, string> { ["NOTIFY_SOCKET"] = "@" + name, ["WATCHDOG_USEC"] = "400000" });

        // The probe period is 200 ms: within 5 s there are many pings.
        Assert.True(Count(listener, "WATCHDOG=1", TimeSpan.FromSeconds(5)) >= 3, "no WATCHDOG=1 while the mount answers\n" + daemon.Log);

        var mnt = Process.Start(new ProcessStartInfo("mountpoint", ["-d", daemon.MountPoint]) { RedirectStandardOutput = true, UseShellExecute = false })!;
        string dev = mnt.StandardOutput.ReadToEnd().Trim();
        mnt.WaitForExit();
        File.WriteAllText($"/sys/fs/fuse/connections/{dev.Split(':')[1]}/abort", "1");
        Thread.Sleep(500);
        Count(listener, "WATCHDOG=1", TimeSpan.FromMilliseconds(300)); // drain what was sent before
        Assert.Equal(0, Count(listener, "WATCHDOG=1", TimeSpan.FromSeconds(2)));
    }

    private static int Count(Socket listener, string state, TimeSpan during)
    {
        var buffer = new byte[512];
        int count = 0;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < during)
        {
            if (!listener.Poll(50_000, SelectMode.SelectRead))
                continue;
            int n = listener.Receive(buffer);
            if (Encoding.UTF8.GetString(buffer, 0, n).Split('\n').Contains(state))
                count++;
        }
        return count;
    }
}
