using StorageFs.Interop;

namespace StorageFs.IntegrationTests.Tree;

/// <summary>
/// One <c>storagefs mount</c> process serving the /storage tree on a mountpoint, its log
/// collected as it comes. The mount counterpart of <see cref="DemoDaemon"/>, which is fixed to
/// the <c>demo</c> verb and its ready line. Dispose stops it (SIGTERM, then SIGKILL after 5 s);
/// clearing a mount left behind is the owning <see cref="TreeMount"/>'s job.
/// </summary>
public sealed class TreeDaemon : IDisposable
{
    public static readonly TimeSpan MountTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Logged by MountCommand once the mount answers (after FUSE INIT).</summary>
    private const string ReadyLine = "StorageFs mounted on ";

    private readonly Process _process;
    private readonly StringBuilder _log = new();
    private readonly Lock _gate = new();

    private readonly bool _wrapped;

    private TreeDaemon(string mountPoint, IReadOnlyList<string> arguments, IReadOnlyList<string>? wrapper = null)
    {
        _wrapped = wrapper is { Count: > 0 };
        MountPoint = mountPoint;
        Arguments = arguments;
        // env(1) restores SIGINT's default disposition, as DemoDaemon does: a test host started
        // without job control may hand it down ignored. A wrapper (nsenter --net=… --, which
        // execs) runs in front of it, the process staying the daemon's.
        var psi = new ProcessStartInfo(wrapper is [var first, ..] ? first : "env")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        if (wrapper is { Count: > 0 })
        {
            foreach (string w in wrapper.Skip(1))
                psi.ArgumentList.Add(w);
            psi.ArgumentList.Add("env");
        }
        psi.ArgumentList.Add("--default-signal=INT");
        psi.ArgumentList.Add(DotnetHost);
        psi.ArgumentList.Add(StorageFsDll);
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

    /// <summary>The dotnet host running these tests (the CLI exports DOTNET_HOST_PATH), else the one on PATH.</summary>
    public static string DotnetHost
    {
        get
        {
            string? fromCli = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
            if (!string.IsNullOrEmpty(fromCli) && File.Exists(fromCli))
                return fromCli;
            string? self = Environment.ProcessPath;
            return self is not null && Path.GetFileName(self) == "dotnet" ? self : "dotnet";
        }
    }

    /// <summary>storagefs.dll sits next to the tests: the project references src/StorageFs.</summary>
    public static string StorageFsDll
    {
        get
        {
            string dll = Path.Combine(AppContext.BaseDirectory, "storagefs.dll");
            if (!File.Exists(dll))
                Assert.Fail($"{dll} is missing: tests/StorageFs.IntegrationTests must reference src/StorageFs so the build copies the daemon next to the tests");
            return dll;
        }
    }

    public string MountPoint { get; }

    public IReadOnlyList<string> Arguments { get; }

    public int Pid => _process.Id;

    public int ExitCode => _process.ExitCode;

    /// <summary>Everything the daemon printed so far.</summary>
    public string Log
    {
        get
        {
            lock (_gate)
                return _log.ToString();
        }
    }

    /// <summary>Starts <c>storagefs mount MOUNTPOINT ARGUMENTS…</c> and returns once the mount answers.</summary>
    public static TreeDaemon Start(string mountPoint, IEnumerable<string> arguments, IReadOnlyList<string>? wrapper = null)
    {
        Preflight.RequireFuse();
        string[] given = [.. arguments];
        var daemon = new TreeDaemon(mountPoint, ["mount", mountPoint, .. given, .. TestTransport.ExtraArguments(given)], wrapper);
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

    /// <summary>Both signs of life: the ready line and a fuse.storagefs entry at the mountpoint
    /// (in the daemon's own mount table when it was wrapped: it may have a mount namespace of
    /// its own).</summary>
    private void WaitUntilMounted()
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < MountTimeout)
        {
            if (Log.Contains(ReadyLine, StringComparison.Ordinal) && (_wrapped ? IsFuseMountedInOwnNamespace() : MountTable.IsFuseMounted(MountPoint)))
                return;
            if (_process.HasExited)
            {
                _process.WaitForExit();
                Assert.Fail($"storagefs {string.Join(' ', Arguments)} exited with code {_process.ExitCode} before mounting {MountPoint}\n--- daemon log ---\n{Log}");
            }
            Thread.Sleep(20);
        }
        Assert.Fail($"storagefs {string.Join(' ', Arguments)} did not mount {MountPoint} within {MountTimeout.TotalSeconds} s\n--- daemon log ---\n{Log}");
    }

    private bool IsFuseMountedInOwnNamespace()
    {
        try
        {
            return MountInfo.At(MountPoint, MountInfo.Read($"/proc/{_process.Id}/mountinfo")).Any(e => e.FsType == MountTable.FuseType);
        }
        catch (IOException)
        {
            return false; // exited meanwhile: the loop reports it
        }
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
}
