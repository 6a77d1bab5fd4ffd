using System.Net;
using System.Net.Sockets;

namespace StorageFs.IntegrationTests.Cluster;

/// <summary>
/// A one-member etcd (Debian's etcd-server) for a test, in the foreground, stopped by its PID:
/// client and peer URLs on 127.0.0.1 at ports the kernel picked free a moment before (another
/// pair is tried when one was taken meanwhile), its data in a directory of the test's own. Ready
/// once its <c>/health</c> answers true.
/// </summary>
public sealed class EtcdServer : IDisposable
{
    private readonly Process _process;
    private readonly IReadOnlyList<string>? _wrapper;
    private readonly string _dataDir;
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _output = new();

    public EtcdServer(string dataDir)
        : this(dataDir, "127.0.0.1", null)
    {
    }

    /// <summary>The same on <paramref name="address"/>, started through <paramref name="wrapper"/>
    /// (an argv prefix such as <c>nsenter --net=NS --</c>: etcd in a test host's network namespace,
    /// where it is checked from too).</summary>
    public EtcdServer(string dataDir, string address, IReadOnlyList<string>? wrapper)
    {
        _wrapper = wrapper;
        _dataDir = dataDir;
        for (int attempt = 1; ; attempt++)
        {
            int client = FreePort(), peer = FreePort();
            Endpoint = $"http://{address}:{client}";
            string peerUrl = $"http://{address}:{peer}";
            var psi = new ProcessStartInfo(wrapper is [var first, ..] ? first : "etcd") { RedirectStandardOutput = true, RedirectStandardError = true };
            if (wrapper is { Count: > 0 })
            {
                foreach (var w in wrapper.Skip(1))
                    psi.ArgumentList.Add(w);
                psi.ArgumentList.Add("etcd");
            }
            foreach (var a in (string[])["--name", "sfs", "--data-dir", dataDir,
                         "--listen-client-urls", Endpoint, "--advertise-client-urls", Endpoint,
                         "--listen-peer-urls", peerUrl, "--initial-advertise-peer-urls", peerUrl,
                         "--initial-cluster", "sfs=" + peerUrl, "--log-level", "warn"])
                psi.ArgumentList.Add(a);
            _process = Process.Start(psi)!;
            _process.OutputDataReceived += (_, e) => { if (e.Data is { Length: > 0 } l) _output.Enqueue(l); };
            _process.ErrorDataReceived += (_, e) => { if (e.Data is { Length: > 0 } l) _output.Enqueue(l); };
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
            if (WaitHealthy(TimeSpan.FromSeconds(20)))
                return;
            Stop();
            if (attempt == 3)
                throw new InvalidOperationException($"etcd did not come up: {string.Join(" | ", _output)}");
            Directory.Delete(dataDir, recursive: true);
        }
    }

    /// <summary>True when Debian's etcd-server is installed.</summary>
    public static bool Available => File.Exists("/usr/bin/etcd");

    /// <summary>The client URL.</summary>
    public string Endpoint { get; private set; }

    public int Pid => _process.Id;

    /// <summary>SIGSTOP: the store stops answering, connections stay open (a store cut off).</summary>
    public void Pause() => Shell.Run($"kill -s STOP {Pid}");

    /// <summary>SIGCONT.</summary>
    public void Resume() => Shell.Run($"kill -s CONT {Pid}");

    private bool WaitHealthy(TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(1) };
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout && !_process.HasExited)
        {
            if (_wrapper is { Count: > 0 })
            {
                // Reachable from its own network namespace only: asked from there.
                if (Shell.Run(string.Join(' ', _wrapper) + " python3 -c \"import urllib.request, sys; " +
                        $"sys.exit(0 if b'true' in urllib.request.urlopen('{Endpoint}/health', timeout=1).read() else 1)\"").Succeeded)
                    return true;
                Thread.Sleep(100);
                continue;
            }
            try
            {
                if (http.GetStringAsync(Endpoint + "/health").GetAwaiter().GetResult().Contains("\"true\"", StringComparison.Ordinal))
                    return true;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // not up yet
            }
            Thread.Sleep(100);
        }
        return false;
    }

    private static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    private void Stop()
    {
        if (_process.HasExited)
            return;
        Shell.Run($"kill -s CONT {Pid}; kill -s TERM {Pid}");
        if (!_process.WaitForExit(5000))
        {
            _process.Kill();
            _process.WaitForExit();
        }
    }

    public void Dispose()
    {
        Stop();
        _process.Dispose();
        try
        {
            Directory.Delete(_dataDir, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
