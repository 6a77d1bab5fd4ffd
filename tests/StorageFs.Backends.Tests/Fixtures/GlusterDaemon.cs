using System.Diagnostics;
using StorageFs.Backends.HostTools;

namespace StorageFs.Backends.Tests.Fixtures;

/// <summary>
/// A single-node GlusterFS for a test, sharing nothing with the host or another test run:
/// glusterd runs in the foreground (-N) as the first process of its own PID, network and mount
/// namespaces — only a loopback interface, so its port 24007 and the brick ports never meet the
/// host's (a glusterd already running on the machine, or a second test run, does not matter);
/// tmpfs on /run, /var/lib and /var/log, so its socket, pid files and logs stay inside; its
/// working directory and the brick live under the test's root. The gluster CLI reaches it with
/// nsenter; the pool's glusterfs client reaches it through <see cref="NetNamespaceRunner"/>, which runs the
/// backend's commands in the daemon's network namespace (the mount itself is the host's).
/// Dispose kills glusterd; being PID 1 of its namespace, the brick processes die with it.
/// Callers unmount FUSE clients first (the harness does).
/// </summary>
internal sealed class GlusterDaemon : IDisposable
{
    private readonly Process _namespace;

    public GlusterDaemon(string root)
    {
        Host = Environment.MachineName;
        Volume = "sfsgv" + Guid.NewGuid().ToString("N")[..8];
        Brick = Directory.CreateDirectory(Path.Combine(root, "gluster-brick")).FullName;
        var work = Directory.CreateDirectory(Path.Combine(root, "gluster-wd")).FullName;
        string log = Path.Combine(root, "glusterd.log");
        string script =
            "set -e; ip link set lo up; " +
            "mount -t tmpfs -o mode=0755 tmpfs /run; mount -t tmpfs -o mode=0755 tmpfs /var/lib; " +
            "mount -t tmpfs -o mode=0755 tmpfs /var/log; mkdir -p /var/log/glusterfs /run/gluster; " +
            $"exec glusterd -N --xlator-option management.working-directory='{work}' --log-file='{log}'";
        var psi = new ProcessStartInfo("unshare", ["--pid", "--fork", "--mount-proc", "--net", "--mount", "--propagation", "private", "sh", "-c", script])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        _namespace = Process.Start(psi)!;
        try
        {
            Pid = FirstChild(_namespace.Id, TimeSpan.FromSeconds(10));
            NetNamespace = $"/proc/{Pid}/ns/net";
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (Cli("volume", "list").Code != 0)
            {
                if (_namespace.HasExited || DateTime.UtcNow > deadline)
                {
                    throw new InvalidOperationException("glusterd did not come up: " +
                        (File.Exists(log) ? File.ReadAllText(log) : _namespace.StandardError.ReadToEnd()));
                }
                Thread.Sleep(100);
            }
            CliChecked("volume", "create", Volume, $"{Host}:{Brick}", "force");
            CliChecked("volume", "start", Volume);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Host { get; }

    public string Volume { get; }

    public string Brick { get; }

    /// <summary>glusterd's PID as the host sees it (PID 1 inside its namespace).</summary>
    public int Pid { get; }

    /// <summary>The daemon's network namespace, for <c>nsenter --net=</c>.</summary>
    public string NetNamespace { get; }

    /// <summary>The gluster CLI, run inside the daemon's namespaces (its PID namespace too: the
    /// mount namespace has that namespace's /proc).</summary>
    public (int Code, string Stdout, string Stderr) Cli(params string[] args) =>
        Sh.Try("nsenter", ["-t", Pid.ToString(), "-m", "-n", "-p", "--", "gluster", "--mode=script", .. args]);

    private void CliChecked(params string[] args)
    {
        var (code, _, stderr) = Cli(args);
        if (code != 0)
        {
            throw new InvalidOperationException($"gluster {string.Join(' ', args)} exited {code}: {stderr}");
        }
    }

    public void Dispose()
    {
        if (!_namespace.HasExited)
        {
            // SIGKILL to unshare's child (glusterd, PID 1 inside) ends every process of the
            // namespace, bricks included; unshare then exits.
            if (Pid > 0)
            {
                Sh.Try("kill", "-KILL", Pid.ToString());
            }
            if (!_namespace.WaitForExit(10_000))
            {
                _namespace.Kill(entireProcessTree: true);
                _namespace.WaitForExit(10_000);
            }
        }
        _namespace.Dispose();
    }

    /// <summary>The PID of unshare's forked child (the namespace's init).</summary>
    private static int FirstChild(int parent, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        string children = $"/proc/{parent}/task/{parent}/children";
        while (DateTime.UtcNow < deadline)
        {
            if (File.Exists(children) && File.ReadAllText(children).Split(' ', StringSplitOptions.RemoveEmptyEntries) is [var first, ..])
            {
                return int.Parse(first);
            }
            Thread.Sleep(20);
        }
        throw new InvalidOperationException("unshare did not start glusterd's namespace");
    }
}

/// <summary>
/// Runs a backend's commands in another network namespace (<c>nsenter --net=</c>), so a pool's
/// network client talks to a daemon that lives there; <see cref="NetNamespace"/> is set once the
/// daemon is up. Everything else about the command (mount namespace, credentials) is the test's.
/// </summary>
internal sealed class NetNamespaceRunner : ICommandRunner
{
    private readonly ProcessCommandRunner _inner = new();

    public string? NetNamespace { get; set; }

    public CommandResult Run(IReadOnlyList<string> argv, string? stdin = null, CancellationToken cancellation = default,
        IReadOnlyDictionary<string, string>? environment = null) =>
        _inner.Run(NetNamespace is { } ns ? ["nsenter", "--net=" + ns, "--", .. argv] : argv, stdin, cancellation, environment);
}
