namespace StorageFs.Daemon;

/// <summary>
/// systemd's watchdog (sd_watchdog_enabled(3), <c>WatchdogSec=</c> in storagefs.service): every
/// half period a probe goes through the mount — a stat of its root, whose attributes the kernel
/// keeps for 1 s only, so it becomes a GETATTR answered by the request loop — and only when it
/// is answered is <c>WATCHDOG=1</c> sent. A hung engine leaves the probe blocked, the pings
/// stop, and systemd kills and restarts the daemon.
/// </summary>
internal static class Watchdog
{
    /// <summary>Starts the pings when systemd asked for them (WATCHDOG_USEC, for this pid).</summary>
    public static void Start(string mountpoint, CancellationToken stopping)
    {
        if (!long.TryParse(Environment.GetEnvironmentVariable("WATCHDOG_USEC"), out long usec) || usec <= 0)
            return;
        if (Environment.GetEnvironmentVariable("WATCHDOG_PID") is { Length: > 0 } pid && pid != Environment.ProcessId.ToString())
            return;
        var period = TimeSpan.FromMicroseconds(usec / 2);
        var thread = new Thread(() =>
        {
            while (!stopping.WaitHandle.WaitOne(period))
            {
                if (Directory.Exists(mountpoint))
                    SdNotify.Send("WATCHDOG=1");
            }
        })
        {
            IsBackground = true,
            Name = "systemd watchdog",
        };
        thread.Start();
    }
}
