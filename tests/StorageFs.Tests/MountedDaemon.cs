using System.Diagnostics;
using System.Text;

namespace StorageFs.Tests;

/// <summary>
/// A real <c>storagefs mount</c> on a scratch directory (state, runtime directory and
/// configuration inside it), for the verbs that act on a mount. Dispose stops the daemon and
/// detaches anything still mounted before deleting the scratch directory.
/// </summary>
internal sealed class MountedDaemon : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();
    private readonly Lock _gate = new();

    public MountedDaemon(IReadOnlyDictionary<string, string>? environment = null, string extraConfig = "")
    {
        Root = Directory.CreateTempSubdirectory("storagefs-cli-").FullName;
        MountPoint = Directory.CreateDirectory(Path.Combine(Root, "mnt")).FullName;
        string config = Path.Combine(Root, "storagefs.json");
        File.WriteAllText(config, $$"""{ "runtimeDir": "{{Path.Combine(Root, "run")}}", "defaultPools": false{{extraConfig}} }""");
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in new[] { Path.Combine(AppContext.BaseDirectory, "storagefs.dll"), "mount", MountPoint, "--state-dir", Path.Combine(Root, "state"), "--config", config })
            psi.ArgumentList.Add(a);
        foreach (var (k, v) in environment ?? new Dictionary<string, string>())
            psi.Environment[k] = v;
        _process = Process.Start(psi)!;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var clock = Stopwatch.StartNew();
        while (!(Log.Contains("StorageFs mounted on ", StringComparison.Ordinal) && MountType(MountPoint) == "fuse.storagefs"))
        {
            if (_process.HasExited || clock.Elapsed > TimeSpan.FromSeconds(30))
            {
                Dispose();
                Assert.Fail($"storagefs mount did not come up\n{Log}");
            }
            Thread.Sleep(20);
        }
    }

    public string Root { get; }

    public string MountPoint { get; }

    public Process Process => _process;

    public string Log
    {
        get
        {
            lock (_gate)
                return _log.ToString();
        }
    }

    /// <summary>The type of the newest mount at <paramref name="path"/> in /proc/self/mountinfo, or null.</summary>
    public static string? MountType(string path)
    {
        string? type = null;
        foreach (string line in File.ReadLines("/proc/self/mountinfo"))
        {
            string[] f = line.Split(' ');
            int dash = Array.IndexOf(f, "-");
            if (f.Length > 4 && dash > 4 && f[4] == path)
                type = f[dash + 1];
        }
        return type;
    }

    private void Append(string? line)
    {
        if (line is null)
            return;
        lock (_gate)
            _log.Append(line).Append('\n');
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
        _process.Dispose();
        while (MountType(MountPoint) is not null)
        {
            using var umount = Process.Start("umount", ["-l", MountPoint]);
            umount.WaitForExit();
            if (umount.ExitCode != 0)
                break;
        }
        Directory.Delete(Root, recursive: true);
    }
}
