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
    private readonly Process _tgtd;
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
        var psi = new ProcessStartInfo("tgtd") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add("-f");
        psi.ArgumentList.Add("--iscsi");
        psi.ArgumentList.Add("portal=127.0.0.1:3260");
        _tgtd = Process.Start(psi)!;
        _tgtd.OutputDataReceived += (_, _) => { };
        _tgtd.ErrorDataReceived += (_, _) => { };
        _tgtd.BeginOutputReadLine();
        _tgtd.BeginErrorReadLine();
        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (Sh.Try("tgtadm", "--lld", "iscsi", "--mode", "target", "--op", "show").Code != 0)
            {
                if (_tgtd.HasExited || DateTime.UtcNow > deadline)
                {
                    throw new InvalidOperationException("tgtd did not come up");
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
