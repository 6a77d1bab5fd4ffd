using System.Diagnostics;

namespace StorageFs.Backends.Tests.Fixtures;

/// <summary>
/// A tgtd iSCSI target for a test, in the foreground on 127.0.0.1 at a port free when it starts
/// (<see cref="Port"/>), with its own control socket (tgtd -C/tgtadm -C, a number whose socket
/// /run/tgtd/socket.N is not there), so
/// two test runs on one machine, or a real target on 3260, never collide: target 1 with
/// file-backed LUNs (sparse files under the test's tree), open to every initiator, optionally
/// behind a CHAP account. Dispose shuts tgtd down (tgtadm --mode system --op delete), kills it
/// by PID if it lingers, and removes its control socket directory if it created it.
/// </summary>
internal sealed class TgtDaemon : IDisposable
{
    private const string ControlDir = "/run/tgtd";
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _output = new();
    private Process _tgtd;
    private readonly bool _controlDirExisted;

    public TgtDaemon(string root, params long[] lunBytes)
    {
        _controlDirExisted = Directory.Exists(ControlDir);
        Target = "iqn.2026-11.org.storagefs:test" + Guid.NewGuid().ToString("N")[..6];
        Port = FreePort();
        _tgtd = StartTgtd();
        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(10);
            int starts = 1;
            while (Tgtadm("--lld", "iscsi", "--mode", "target", "--op", "show").Code != 0)
            {
                // Right after the previous test's tgtd exited, a new one can find the portal or
                // its control socket not yet released and exit at once: start it again.
                if (_tgtd.HasExited && starts < 5 && DateTime.UtcNow < deadline)
                {
                    _tgtd.WaitForExit();
                    _tgtd.Dispose();
                    Thread.Sleep(500);
                    Port = FreePort();
                    _tgtd = StartTgtd();
                    starts++;
                    continue;
                }
                if (_tgtd.HasExited || DateTime.UtcNow > deadline)
                {
                    throw new InvalidOperationException($"tgtd did not come up after {starts} starts: {string.Join(" | ", _output)}");
                }
                Thread.Sleep(50);
            }
            TgtadmRun("--lld", "iscsi", "--mode", "target", "--op", "new", "--tid", "1", "--targetname", Target);
            for (int i = 0; i < lunBytes.Length; i++)
            {
                var file = Path.Combine(root, $"lun{i + 1}.img");
                using (var f = File.Create(file))
                {
                    f.SetLength(lunBytes[i]);
                }
                TgtadmRun("--lld", "iscsi", "--mode", "logicalunit", "--op", "new", "--tid", "1", "--lun", $"{i + 1}",
                    "--backing-store", file);
                LunFiles.Add(file);
            }
            TgtadmRun("--lld", "iscsi", "--mode", "target", "--op", "bind", "--tid", "1", "--initiator-address", "ALL");
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Target { get; }

    /// <summary>The portal's TCP port on 127.0.0.1.</summary>
    public int Port { get; private set; }

    // tgtd's control port (its socket /run/tgtd/socket.N); tgtd takes 0..32767.
    private int Control { get; set; }

    /// <summary>host:port of the portal.</summary>
    public string Portal => $"127.0.0.1:{Port}";

    // A port nothing listens on now (the kernel's choice for an ephemeral bind), and a
    // control port no other tgtd uses.
    private int FreePort()
    {
        do
        {
            Control = Random.Shared.Next(1000, 32000);
        }
        while (File.Exists($"{ControlDir}/socket.{Control}"));
        var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        int port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    private (int Code, string Stdout, string Stderr) Tgtadm(params string[] args) => Sh.Try("tgtadm", ["-C", Control.ToString(), .. args]);

    private void TgtadmRun(params string[] args) => Sh.Run("tgtadm", ["-C", Control.ToString(), .. args]);

    private Process StartTgtd()
    {
        var psi = new ProcessStartInfo("tgtd") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add("-f");
        psi.ArgumentList.Add("-C");
        psi.ArgumentList.Add(Control.ToString());
        psi.ArgumentList.Add("--iscsi");
        psi.ArgumentList.Add($"portal=127.0.0.1:{Port}");
        var tgtd = Process.Start(psi)!;
        tgtd.OutputDataReceived += (_, e) => { if (e.Data is { Length: > 0 } line) _output.Enqueue(line); };
        tgtd.ErrorDataReceived += (_, e) => { if (e.Data is { Length: > 0 } line) _output.Enqueue(line); };
        tgtd.BeginOutputReadLine();
        tgtd.BeginErrorReadLine();
        return tgtd;
    }

    public List<string> LunFiles { get; } = [];

    /// <summary>Requires CHAP user/password for the target.</summary>
    public void RequireChap(string user, string password)
    {
        TgtadmRun("--lld", "iscsi", "--mode", "account", "--op", "new", "--user", user, "--password", password);
        TgtadmRun("--lld", "iscsi", "--mode", "account", "--op", "bind", "--tid", "1", "--user", user);
    }

    public void Dispose()
    {
        if (!_tgtd.HasExited)
        {
            Tgtadm("--lld", "iscsi", "--mode", "target", "--op", "delete", "--force", "--tid", "1");
            Tgtadm("--lld", "iscsi", "--mode", "system", "--op", "delete");
            if (!_tgtd.WaitForExit(5_000))
            {
                _tgtd.Kill();
                _tgtd.WaitForExit(5_000);
            }
        }
        _tgtd.Dispose();
        if (!_controlDirExisted && Directory.Exists(ControlDir))
        {
            Directory.Delete(ControlDir, recursive: true);
        }
    }
}
