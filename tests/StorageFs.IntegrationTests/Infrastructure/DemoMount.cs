namespace StorageFs.IntegrationTests.Infrastructure;

/// <summary>
/// A scratch directory holding a mountpoint (<c>mnt/</c>), a host directory served as
/// <c>backing/</c> (<c>host/</c>) and room for host-side files (<c>work/</c>), plus the
/// <c>storagefs demo</c> daemons that served the mountpoint, newest last. Scripts run with
/// M, H and W naming those three directories. Dispose stops every daemon, aborts and detaches
/// any mount still there, and only then deletes the scratch directory: it never leaves a
/// process or a mount behind, whatever the test did.
/// </summary>
public sealed class DemoMount : IDisposable
{
    private readonly List<DemoDaemon> _daemons = [];
    private readonly Dictionary<string, string> _environment;
    private readonly bool _backing;
    private int _dirs;

    private DemoMount(bool backing)
    {
        _backing = backing;
        Root = Directory.CreateTempSubdirectory("storagefs-itest-").FullName;
        MountPoint = Directory.CreateDirectory(Path.Combine(Root, "mnt")).FullName;
        RealDir = Directory.CreateDirectory(Path.Combine(Root, "host")).FullName;
        WorkDir = Directory.CreateDirectory(Path.Combine(Root, "work")).FullName;
        _environment = new() { ["M"] = MountPoint, ["W"] = WorkDir };
        if (backing)
            _environment["H"] = RealDir;
    }

    public string Root { get; }

    public string MountPoint { get; }

    /// <summary>The host directory behind <c>$M/backing</c> (only with <c>backing: true</c>).</summary>
    public string RealDir { get; }

    /// <summary>A host directory outside the mount for reference copies.</summary>
    public string WorkDir { get; }

    /// <summary>The newest daemon.</summary>
    public DemoDaemon Daemon => _daemons[^1];

    /// <summary>
    /// Mounts <c>storagefs demo</c> on a fresh mountpoint with <paramref name="options"/>
    /// (and <c>--backing $H</c> when <paramref name="backing"/>).
    /// </summary>
    public static DemoMount Start(bool backing = false, params string[] options)
    {
        var mount = new DemoMount(backing);
        try
        {
            mount.StartDaemon(options);
        }
        catch
        {
            mount.Dispose();
            throw;
        }
        return mount;
    }

    /// <summary>Starts another daemon on the same mountpoint (after the previous one is gone).</summary>
    public DemoDaemon StartDaemon(params string[] options)
    {
        string[] all = _backing ? ["--backing", RealDir, .. options] : options;
        var daemon = DemoDaemon.Start(MountPoint, all);
        _daemons.Add(daemon);
        return daemon;
    }

    /// <summary>Runs <paramref name="script"/> with bash; <paramref name="cwd"/> defaults to the scratch directory.</summary>
    public ShellResult Sh(string script, string? cwd = null, TimeSpan? timeout = null) =>
        Shell.Run(script, _environment, cwd ?? Root, timeout);

    /// <summary>Runs <paramref name="script"/> under <c>set -euo pipefail</c>, fails the test unless it succeeds, returns its stdout.</summary>
    public string Ok(string script, string? cwd = null, TimeSpan? timeout = null)
    {
        ShellResult r = Sh("set -euo pipefail\n" + script, cwd, timeout);
        Assert.True(r.Succeeded, Describe(r));
        return r.Stdout;
    }

    /// <summary>Fails the test unless <paramref name="script"/> fails with <paramref name="expectedError"/> on stderr; returns stderr.</summary>
    public string Fails(string script, string expectedError, string? cwd = null)
    {
        ShellResult r = Sh(script, cwd);
        Assert.False(r.Succeeded, "expected a failure with \"" + expectedError + "\"\n" + Describe(r));
        Assert.True(r.Stderr.Contains(expectedError, StringComparison.Ordinal), "expected \"" + expectedError + "\" on stderr\n" + Describe(r));
        return r.Stderr;
    }

    /// <summary>Makes a directory of its own for one test in the mount's root (with mkdir through the mount).</summary>
    public string NewDir(string name)
    {
        string dir = Path.Combine(MountPoint, $"{name}-{Interlocked.Increment(ref _dirs)}");
        Ok($"mkdir '{dir}'");
        return dir;
    }

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
            Unmounter.ForceUnmount(MountPoint);
            // Only now is mnt/ an empty directory again; deleting through a live mount would
            // delete the filesystem's contents instead.
            Directory.Delete(Root, recursive: true);
        }
    }
}
