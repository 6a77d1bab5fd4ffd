namespace StorageFs.IntegrationTests.Cluster;

/// <summary>
/// A 3-member etcd (Debian's etcd-server) across test hosts: member N in host N's network
/// and mount namespaces, client and peer URLs on its address (ports 2379 and 2380 of that namespace), its
/// data in a directory of the test's own. Ready once every member's <c>/health</c> answers true
/// (asked from the member's namespace); members are stopped by their PIDs.
/// </summary>
public sealed class EtcdMembers : IDisposable
{
    private readonly NetHosts _net;
    private readonly List<Process> _members = [];

    public EtcdMembers(string root, NetHosts net, int count = 3)
    {
        _net = net;
        string cluster = string.Join(',', Enumerable.Range(1, count).Select(i => $"m{i}=http://{NetHosts.Address(i)}:2380"));
        try
        {
            for (int i = 1; i <= count; i++)
            {
                var psi = new ProcessStartInfo("nsenter") { RedirectStandardOutput = true, RedirectStandardError = true };
                foreach (var a in (string[])[.. net.Wrapper(i).Skip(1), "etcd", "--name", $"m{i}",
                             "--data-dir", Path.Combine(root, $"etcd{i}"),
                             "--listen-client-urls", Endpoint(i), "--advertise-client-urls", Endpoint(i),
                             "--listen-peer-urls", $"http://{NetHosts.Address(i)}:2380", "--initial-advertise-peer-urls", $"http://{NetHosts.Address(i)}:2380",
                             "--initial-cluster", cluster, "--initial-cluster-state", "new", "--initial-cluster-token", $"sfs{Environment.ProcessId}",
                             "--log-level", "warn"])
                    psi.ArgumentList.Add(a);
                var p = Process.Start(psi)!;
                p.OutputDataReceived += (_, _) => { };
                p.ErrorDataReceived += (_, _) => { };
                p.BeginOutputReadLine();
                p.BeginErrorReadLine();
                _members.Add(p);
            }
            for (int i = 1; i <= count; i++)
            {
                int member = i;
                Assert.True(SpinWait.SpinUntil(() => Healthy(member), TimeSpan.FromSeconds(60)), $"etcd member {member} never became healthy");
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Member <paramref name="member"/>'s client URL.</summary>
    public static string Endpoint(int member) => $"http://{NetHosts.Address(member)}:2379";

    /// <summary>Every member's client URL, as a JSON array's items.</summary>
    public string EndpointsJson => string.Join(", ", Enumerable.Range(1, _members.Count).Select(i => $"\"{Endpoint(i)}\""));

    /// <summary>SIGKILL to member <paramref name="member"/>, reaped.</summary>
    public void Kill(int member)
    {
        var p = _members[member - 1];
        if (!p.HasExited)
        {
            p.Kill();
            p.WaitForExit();
        }
    }

    private bool Healthy(int member) =>
        Shell.Run($"{_net.Enter(member)} python3 -c \"import urllib.request, sys; " +
            $"sys.exit(0 if b'true' in urllib.request.urlopen('{Endpoint(member)}/health', timeout=1).read() else 1)\"").Succeeded;

    public void Dispose()
    {
        foreach (var p in _members)
        {
            try
            {
                if (!p.HasExited)
                {
                    p.Kill();
                    p.WaitForExit(5000);
                }
            }
            catch (InvalidOperationException)
            {
            }
            p.Dispose();
        }
    }
}
