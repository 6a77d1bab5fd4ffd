namespace StorageFs.IntegrationTests.Cluster;

/// <summary>
/// Hosts with a network of their own on one machine: a network namespace each, joined to a
/// bridge of the test's by a veth pair, the address 10.213.0.N/24 (N = 1, 2, …; private to the
/// bridge, which has no address in this namespace), and an OpenSSH server on that address
/// (port 22, key authentication for root with a key made here, host keys pinned in a
/// known_hosts file). <see cref="SshConfig"/> is the ssh_config file a daemon's <c>ssh</c>
/// uses; <see cref="Wrapper"/> starts a process inside a host's network namespace (the mount
/// namespace stays this machine's, so the test's shell sees every host's mount).
/// </summary>
public sealed class NetHosts : IDisposable
{
    private readonly string _root;
    private readonly string _tag;
    private static int _instances;
    private readonly List<Process> _sshd = [];

    public NetHosts(string root, int count, bool ssh = true, bool storageNetwork = false)
    {
        _root = Directory.CreateDirectory(root).FullName;
        // Interface names have at most 15 bytes: "sfv" + tag + "h" + N.
        _tag = string.Create(CultureInfo.InvariantCulture, $"{Environment.ProcessId % 100000}x{Interlocked.Increment(ref _instances) % 10}");
        Count = count;
        try
        {
            Run($"ip link add {Bridge} type bridge && ip link set {Bridge} up");
            if (storageNetwork)
            {
                // A second network for the shared storage, with this namespace on it (tgtd).
                Run($"ip link add {StorageBridge} type bridge && ip addr add {StorageGateway}/24 dev {StorageBridge} && ip link set {StorageBridge} up");
                _storageNetwork = true;
            }
            string hostKey = "";
            if (ssh)
            {
                Run($"ssh-keygen -q -t ed25519 -N '' -f {_root}/id && ssh-keygen -q -t ed25519 -N '' -f {_root}/host_key && mkdir -p /run/sshd");
                hostKey = File.ReadAllText($"{_root}/host_key.pub").Trim();
                File.Copy($"{_root}/id.pub", $"{_root}/authorized_keys");
            }
            var known = new StringBuilder();
            for (int i = 1; i <= count; i++)
            {
                Run($"ip netns add {Namespace(i)} && ip link add {HostSide(i)} type veth peer name eth{i} netns {Namespace(i)} && " +
                    $"ip link set {HostSide(i)} master {Bridge} up && ip -n {Namespace(i)} link set lo up && " +
                    $"ip -n {Namespace(i)} addr add {Address(i)}/24 dev eth{i} && ip -n {Namespace(i)} link set eth{i} up");
                known.Append(CultureInfo.InvariantCulture, $"{Address(i)} {hostKey}\n");
                if (storageNetwork)
                {
                    Run($"ip link add {StorageSide(i)} type veth peer name st{i} netns {Namespace(i)} && " +
                        $"ip link set {StorageSide(i)} master {StorageBridge} up && " +
                        $"ip -n {Namespace(i)} addr add 10.214.0.{i}/24 dev st{i} && ip -n {Namespace(i)} link set st{i} up");
                }
                if (!ssh)
                    continue;
                File.WriteAllText($"{_root}/sshd{i}.conf", $"""
                    ListenAddress {Address(i)}
                    HostKey {_root}/host_key
                    AuthorizedKeysFile {_root}/authorized_keys
                    PidFile {_root}/sshd{i}.pid
                    PermitRootLogin prohibit-password
                    PasswordAuthentication no
                    KbdInteractiveAuthentication no
                    UsePAM no
                    StrictModes no
                    """);
                var psi = new ProcessStartInfo("nsenter") { RedirectStandardError = true, RedirectStandardOutput = true };
                foreach (string a in (string[])[$"--net=/run/netns/{Namespace(i)}", "--", "/usr/sbin/sshd", "-D", "-e", "-f", $"{_root}/sshd{i}.conf"])
                    psi.ArgumentList.Add(a);
                var sshd = Process.Start(psi)!;
                sshd.OutputDataReceived += (_, _) => { };
                sshd.ErrorDataReceived += (_, _) => { };
                sshd.BeginOutputReadLine();
                sshd.BeginErrorReadLine();
                _sshd.Add(sshd);
            }
            File.WriteAllText(KnownHosts, known.ToString());
            File.WriteAllText(SshConfig, $"""
                Host *
                  User root
                  IdentityFile {_root}/id
                  IdentitiesOnly yes
                  UserKnownHostsFile {KnownHosts}
                  StrictHostKeyChecking yes
                  ConnectTimeout 10
                """);
            // Ready once each answers a command (the daemons' ssh runs in host 1's namespace).
            for (int i = 1; ssh && i <= count; i++)
            {
                int host = i;
                Assert.True(SpinWait.SpinUntil(() => Shell.Run($"{Enter(1)} ssh -F {SshConfig} -o BatchMode=yes {Address(host)} true").Succeeded,
                    TimeSpan.FromSeconds(30)), $"sshd on {Address(host)} never answered");
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Runs unless root, ip, nsenter, sshd or zstd is missing.</summary>
    public static string? Missing =>
        Environment.UserName != "root" ? "needs root (network namespaces, FUSE mounts)"
        : !File.Exists("/usr/sbin/sshd") ? "needs sshd (Debian package openssh-server)"
        : !File.Exists("/usr/bin/ssh") || !File.Exists("/usr/bin/ssh-keygen") ? "needs ssh and ssh-keygen (openssh-client)"
        : !File.Exists("/usr/bin/zstd") ? "needs zstd"
        : !File.Exists("/usr/bin/nsenter") || !File.Exists("/usr/sbin/ip") && !File.Exists("/usr/bin/ip") ? "needs nsenter (util-linux) and ip (iproute2)"
        : null;

    public int Count { get; }

    public string SshConfig => Path.Combine(_root, "ssh_config");

    private string KnownHosts => Path.Combine(_root, "known_hosts");

    private string Bridge => $"sfb{_tag}";

    private string StorageBridge => $"sfb{_tag}s";

    private readonly bool _storageNetwork;

    /// <summary>This namespace's address on the storage network (hosts: 10.214.0.N).</summary>
    public const string StorageGateway = "10.214.0.254";

    /// <summary>The storage bridge's end of a host's second veth pair.</summary>
    public string StorageSide(int host) => $"sfw{_tag}h{host}";

    /// <summary>Cuts (or restores) a host's link to the others: its veth's end on the bridge
    /// goes down (up); the storage network is left alone.</summary>
    public void SetLink(int host, bool up) => Run($"ip link set {HostSide(host)} {(up ? "up" : "down")}");

    public string Namespace(int host) => $"sfs{_tag}h{host}";

    /// <summary>The bridge's end of a host's veth pair, in this namespace.</summary>
    public string HostSide(int host) => $"sfv{_tag}h{host}";

    public static string Address(int host) => $"10.213.0.{host}";

    /// <summary>An argv prefix that runs the rest in the host's network namespace.</summary>
    public IReadOnlyList<string> Wrapper(int host) => ["nsenter", $"--net=/run/netns/{Namespace(host)}", "--"];

    /// <summary>A shell prefix doing the same.</summary>
    public string Enter(int host) => $"nsenter --net=/run/netns/{Namespace(host)} --";

    /// <summary>Bytes the bridge has sent towards <paramref name="host"/> (its veth's counter).</summary>
    public long BytesTo(int host) =>
        long.Parse(File.ReadAllText($"/sys/class/net/{HostSide(host)}/statistics/tx_bytes").Trim(), CultureInfo.InvariantCulture);

    public void Dispose()
    {
        foreach (var p in _sshd)
        {
            try
            {
                p.Kill();
                p.WaitForExit(5000);
            }
            catch (InvalidOperationException)
            {
            }
            p.Dispose();
        }
        for (int i = 1; i <= Count; i++)
            Shell.Run($"ip netns del {Namespace(i)}");
        Shell.Run($"ip link del {Bridge}");
        if (_storageNetwork)
            Shell.Run($"ip link del {StorageBridge}");
    }

    private static void Run(string script)
    {
        var r = Shell.Run("set -e\n" + script);
        Assert.True(r.Succeeded, r.ToString());
    }
}
