using System.Diagnostics;

namespace StorageFs.Backends.Tests.Fixtures;

/// <summary>
/// A single-node GlusterFS for a test: glusterd in the foreground (-N) with a private working
/// directory, one volume on a brick directory, started. Dispose stops and deletes the volume,
/// kills glusterd and the brick process by their PIDs (the brick's only after checking its
/// command line names our brick), and removes the runtime and state entries they created.
/// Callers unmount FUSE clients first (the harness does).
/// </summary>
internal sealed class GlusterDaemon : IDisposable
{
    private const string RunDir = "/run/gluster";
    private const string StateDir = "/var/lib/glusterd";
    private const string Socket = "/run/glusterd.socket";
    private readonly Process _glusterd;
    private readonly string[] _stateBefore;
    private readonly bool _runDirExisted;
    private readonly bool _socketExisted;

    public GlusterDaemon(string root)
    {
        if (File.ReadAllLines("/proc/net/tcp").Skip(1).Any(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries) is var f && f[1].EndsWith(":5DC7", StringComparison.Ordinal) && f[3] == "0A"))
        {
            throw new InvalidOperationException("port 24007 is already in use: another glusterd runs on this machine; this test starts its own");
        }
        _stateBefore = Directory.Exists(StateDir) ? Directory.GetFileSystemEntries(StateDir) : [];
        _runDirExisted = Directory.Exists(RunDir);
        _socketExisted = File.Exists(Socket);
        Host = Environment.MachineName;
        Volume = "sfsgv" + Guid.NewGuid().ToString("N")[..8];
        Brick = Directory.CreateDirectory(Path.Combine(root, "gluster-brick")).FullName;
        var work = Directory.CreateDirectory(Path.Combine(root, "gluster-wd")).FullName;
        var psi = new ProcessStartInfo("glusterd") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-N", "--xlator-option", "management.working-directory=" + work,
                     "--log-file=" + Path.Combine(root, "glusterd.log"), "-p", Path.Combine(root, "glusterd.pid") })
        {
            psi.ArgumentList.Add(a);
        }
        _glusterd = Process.Start(psi)!;
        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(15);
            while (Sh.Try("gluster", "--mode=script", "volume", "list").Code != 0)
            {
                if (_glusterd.HasExited || DateTime.UtcNow > deadline)
                {
                    throw new InvalidOperationException("glusterd did not come up: " + File.ReadAllText(Path.Combine(root, "glusterd.log")));
                }
                Thread.Sleep(100);
            }
            Sh.Run("gluster", "--mode=script", "volume", "create", Volume, $"{Host}:{Brick}", "force");
            Sh.Run("gluster", "--mode=script", "volume", "start", Volume);
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

    public void Dispose()
    {
        var brickPid = BrickPid();
        if (!_glusterd.HasExited)
        {
            Sh.Try("gluster", "--mode=script", "volume", "stop", Volume, "force");
            Sh.Try("gluster", "--mode=script", "volume", "delete", Volume);
            _glusterd.Kill();
            _glusterd.WaitForExit(10_000);
        }
        _glusterd.Dispose();
        if (brickPid is { } pid && IsOurBrick(pid))
        {
            using var brick = Process.GetProcessById(pid);
            brick.Kill();
            brick.WaitForExit(10_000);
        }
        if (Directory.Exists(StateDir))
        {
            foreach (var entry in Directory.GetFileSystemEntries(StateDir).Except(_stateBefore))
            {
                if (Directory.Exists(entry))
                {
                    Directory.Delete(entry, recursive: true);
                }
                else
                {
                    File.Delete(entry);
                }
            }
        }
        if (!_socketExisted)
        {
            File.Delete(Socket);
        }
        if (!_runDirExisted && Directory.Exists(RunDir))
        {
            Directory.Delete(RunDir, recursive: true);
        }
        else if (Directory.Exists(Path.Combine(RunDir, "vols", Volume)))
        {
            Directory.Delete(Path.Combine(RunDir, "vols", Volume), recursive: true);
        }
    }

    private int? BrickPid()
    {
        var dir = Path.Combine(RunDir, "vols", Volume);
        if (!Directory.Exists(dir))
        {
            return null;
        }
        foreach (var file in Directory.GetFiles(dir, "*.pid"))
        {
            if (int.TryParse(File.ReadAllText(file).Trim(), out var pid))
            {
                return pid;
            }
        }
        return null;
    }

    private bool IsOurBrick(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Contains(Brick, StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
    }
}
