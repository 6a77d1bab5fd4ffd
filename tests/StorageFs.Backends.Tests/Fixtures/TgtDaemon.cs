using System.Diagnostics;

namespace StorageFs.Backends.Tests.Fixtures;

/// <summary>
/// A tgtd iSCSI target for a test, on 127.0.0.1:3260 in the foreground: target 1 with
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
        if (File.ReadAllLines("/proc/net/tcp").Skip(1).Any(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries) is var f &&
                f[1].EndsWith(":0CBC", StringComparison.Ordinal) && f[3] == "0A"))
        {
            throw new InvalidOperationException("port 3260 is already in use: another iSCSI target runs on this machine; this test starts its own tgtd");
        }
        _controlDirExisted = Directory.Exists(ControlDir);
        Target = "iqn.2026-11.org.storagefs:test" + Guid.NewGuid().ToString("N")[..6];
        _tgtd = StartTgtd();
        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(10);
            int starts = 1;
            while (Sh.Try("tgtadm", "--lld", "iscsi", "--mode", "target", "--op", "show").Code != 0)
            {
                // Right after the previous test's tgtd exited, a new one can find the portal or
                // its control socket not yet released and exit at once: start it again.
                if (_tgtd.HasExited && starts < 5 && DateTime.UtcNow < deadline)
                {
                    _tgtd.WaitForExit();
                    _tgtd.Dispose();
                    Thread.Sleep(500);
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
            Sh.Run("tgtadm", "--lld", "iscsi", "--mode", "target", "--op", "new", "--tid", "1", "--targetname", Target);
            for (int i = 0; i < lunBytes.Length; i++)
            {
                var file = Path.Combine(root, $"lun{i + 1}.img");
                using (var f = File.Create(file))
                {
                    f.SetLength(lunBytes[i]);
                }
                Sh.Run("tgtadm", "--lld", "iscsi", "--mode", "logicalunit", "--op", "new", "--tid", "1", "--lun", $"{i + 1}",
                    "--backing-store", file);
                LunFiles.Add(file);
            }
            Sh.Run("tgtadm", "--lld", "iscsi", "--mode", "target", "--op", "bind", "--tid", "1", "--initiator-address", "ALL");
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Target { get; }

    private Process StartTgtd()
    {
        var psi = new ProcessStartInfo("tgtd") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add("-f");
        psi.ArgumentList.Add("--iscsi");
        psi.ArgumentList.Add("portal=127.0.0.1:3260");
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
        Sh.Run("tgtadm", "--lld", "iscsi", "--mode", "account", "--op", "new", "--user", user, "--password", password);
        Sh.Run("tgtadm", "--lld", "iscsi", "--mode", "account", "--op", "bind", "--tid", "1", "--user", user);
    }

    public void Dispose()
    {
        if (!_tgtd.HasExited)
        {
            Sh.Try("tgtadm", "--lld", "iscsi", "--mode", "target", "--op", "delete", "--force", "--tid", "1");
            Sh.Try("tgtadm", "--lld", "iscsi", "--mode", "system", "--op", "delete");
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
