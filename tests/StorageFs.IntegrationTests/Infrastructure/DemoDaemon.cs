using StorageFs.Interop;
namespace StorageFs.IntegrationTests.Infrastructure;

/// <summary>
/// One <c>storagefs demo</c> process serving a mountpoint, its stderr log collected as it comes.
/// Dispose stops it (SIGTERM, then SIGKILL after 5 s); clearing whatever mount it leaves behind
/// is the job of the owning <see cref="DemoMount"/>, which knows every daemon that used the
/// mountpoint.
/// </summary>
public sealed class DemoDaemon : IDisposable
{
    public static readonly TimeSpan MountTimeout = TimeSpan.FromSeconds(20);

    /// <summary>Logged by DemoCommand once Mount() has returned, i.e. after INIT was answered.</summary>
    private const string ReadyLine = "Demo filesystem mounted on ";

    private readonly Process _process;
    private readonly StringBuilder _log = new();
    private readonly Lock _gate = new();

    private DemoDaemon(string mountPoint, IReadOnlyList<string> arguments)
    {
        MountPoint = mountPoint;
        Arguments = arguments;
        // env(1) restores SIGINT's default: a shell without job control starts background
        // commands with SIGINT ignored (POSIX), .NET keeps an inherited SIG_IGN for SIGINT, and
        // the daemon must react to SIGINT as it does when started from a terminal.
        var psi = new ProcessStartInfo("env")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        psi.ArgumentList.Add("--default-signal=INT");
        psi.ArgumentList.Add(DotnetHost());
        psi.ArgumentList.Add(StorageFsDll());
        foreach (string a in arguments)
            psi.ArgumentList.Add(a);
        _process = new Process { StartInfo = psi };
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.Start();
        _process.StandardInput.Close();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string MountPoint { get; }

    public IReadOnlyList<string> Arguments { get; }

    public int Pid => _process.Id;

    /// <summary>What the daemon reported in its ready line: whether FUSE passthrough is on.</summary>
    public bool Passthrough { get; private set; }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Everything the daemon printed so far (it logs on stderr).</summary>
    public string Log
    {
        get
        {
            lock (_gate)
                return _log.ToString();
        }
    }

    /// <summary>Starts <c>storagefs demo MOUNTPOINT OPTIONS…</c> and returns once the mount answers.</summary>
    public static DemoDaemon Start(string mountPoint, IEnumerable<string> options)
    {
        Preflight.RequireFuse();
        var daemon = new DemoDaemon(mountPoint, ["demo", mountPoint, .. options]);
        try
        {
            daemon.WaitUntilMounted();
        }
        catch
        {
            daemon.Dispose();
            throw;
        }
        return daemon;
    }

    /// <summary>
    /// Waits for both signs of life: the ready line in the log and a fuse.storagefs entry at the
    /// mountpoint. The log alone is not enough (it could lie), nor is mountinfo (a stale mount of
    /// a killed daemon has the same type).
    /// </summary>
    private void WaitUntilMounted()
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < MountTimeout)
        {
            string log = Log;
            int ready = log.IndexOf(ReadyLine, StringComparison.Ordinal);
            if (ready >= 0 && MountTable.IsFuseMounted(MountPoint))
            {
                string line = log[ready..].Split('\n')[0];
                Passthrough = line.Contains("(passthrough True)", StringComparison.Ordinal);
                return;
            }
            if (_process.HasExited)
            {
                _process.WaitForExit();
                Assert.Fail($"storagefs {string.Join(' ', Arguments)} exited with code {_process.ExitCode} before mounting {MountPoint}\n--- daemon log ---\n{Log}");
            }
            Thread.Sleep(20);
        }
        Assert.Fail($"storagefs {string.Join(' ', Arguments)} did not mount {MountPoint} within {MountTimeout.TotalSeconds} s " +
            $"(ready line logged: {Log.Contains(ReadyLine, StringComparison.Ordinal)}; " +
            $"mountinfo at the mountpoint: [{string.Join(", ", MountTable.At(MountPoint))}])\n--- daemon log ---\n{Log}");
    }

    /// <summary>Sends a signal by name (TERM, INT, KILL…) with kill(1).</summary>
    public void Signal(string name)
    {
        ShellResult r = Shell.Run($"kill -s {name} {Pid}");
        Assert.True(r.Succeeded, r.ToString());
    }

    public bool WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
            return false;
        _process.WaitForExit(); // drains the log readers
        return true;
    }

    /// <summary>SIGKILL: the daemon gets no chance to unmount.</summary>
    public void Kill()
    {
        _process.Kill();
        Assert.True(WaitForExit(TimeSpan.FromSeconds(10)), $"storagefs (pid {Pid}) survived SIGKILL for 10 s");
    }

    /// <summary>Counts log lines containing <paramref name="text"/> (e.g. traced opcodes with -v).</summary>
    public int CountLogLines(string text) =>
        Log.Split('\n').Count(l => l.Contains(text, StringComparison.Ordinal));

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                Shell.Run($"kill -s TERM {Pid}");
                if (!WaitForExit(TimeSpan.FromSeconds(5)))
                {
                    _process.Kill(entireProcessTree: true);
                    WaitForExit(TimeSpan.FromSeconds(10));
                }
            }
        }
        finally
        {
            _process.Dispose();
        }
    }

    private void Append(string? line)
    {
        if (line is null)
            return;
        lock (_gate)
            _log.Append(line).Append('\n');
    }

    /// <summary>The dotnet host running these tests (the CLI exports DOTNET_HOST_PATH), else the one on PATH.</summary>
    private static string DotnetHost()
    {
        string? fromCli = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(fromCli) && File.Exists(fromCli))
            return fromCli;
        string? self = Environment.ProcessPath;
        return self is not null && Path.GetFileName(self) == "dotnet" ? self : "dotnet";
    }

    /// <summary>storagefs.dll sits next to the tests: the project references src/StorageFs.</summary>
    private static string StorageFsDll()
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "storagefs.dll");
        if (!File.Exists(dll))
            Assert.Fail($"{dll} is missing: tests/StorageFs.IntegrationTests must reference src/StorageFs so the build copies the daemon next to the tests");
        return dll;
    }
}
