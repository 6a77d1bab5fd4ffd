using Xunit.Abstractions;
using StorageFs.IntegrationTests.Tree;

namespace StorageFs.IntegrationTests.Cluster;

/// <summary>
/// Host-to-host copy (docs/CLUSTER.md) between two hosts of their own: A and C, each a daemon
/// in a network namespace (its own address and sshd) and a mount namespace of its own (its
/// mount seen by that host only), A's ssh given the key and known hosts by an ssh_config file.
/// The volume is 1 GiB, as the issue says: 192 MiB of text, the rest a hole. The hosts share one
/// file system, so each mounts on a temp path of its own and A's configuration names C's as the
/// other hosts' tree (a host of its own mounts at /storage, the default). The test compares
/// bytes across hosts by reading C's side through nsenter into C's daemon's namespaces.
/// </summary>
[Collection("cluster")]
public sealed class HostCopyTests(ITestOutputHelper output)
{
    private const long Size = 1L << 30;

    [SshHostsFact]
    public void CloneArchiveRestore_ToAndFromAnotherHost_OverSsh_CarryTheBytes_ZstdCompressed_AndAFailedCopyLeavesNothing()
    {
        var root = Directory.CreateTempSubdirectory("storagefs-hostcopy-").FullName;
        try
        {
            using var net = new NetHosts(Path.Combine(root, "net"), 2);
            const int HostA = 1, HostC = 2;
            using var c = net.Mount(HostC);
            using var a = net.Mount(HostA,
                $$"""
                "ssh": { "configFile": "{{net.SshConfig}}", "remoteTree": "{{c.MountPoint}}" }
                """);
            string pa = a.NewRunningPool("pa");
            string pc = c.NewRunningPool("pc");
            string to = $"ssh://{NetHosts.Address(HostC)}/{pc}";
            // On C, read from anywhere: through C's daemon's namespaces.
            string OnC(string path) => $"<(nsenter --target {c.Daemon.Pid} --mount -- cat \"{c.MountPoint}/pools/{pc}/volumes/{path}\")";

            // Each mount is seen in its host's mount namespace only: not here, not on the other host.
            a.Ok("mountpoint -q \"$M\"");
            c.Ok("mountpoint -q \"$M\"");
            Assert.False(Shell.Run($"mountpoint -q \"{a.MountPoint}\"").Succeeded, "A's mount is seen outside A's mount namespace");
            Assert.False(c.Sh($"mountpoint -q \"{a.MountPoint}\"").Succeeded, "A's mount is seen on host C");
            Assert.False(a.Sh($"mountpoint -q \"{c.MountPoint}\"").Succeeded, "C's mount is seen on host A");

            // Compressible content: 192 MiB of text, then 832 MiB never written (a hole).
            a.Ok($"{{ yes 'a line of a volume that compresses well' || true; }} | head -c {192L << 20} > \"$M/pools/{pa}/volumes/big\"; truncate -s {Size} \"$M/pools/{pa}/volumes/big\"");

            long before = net.BytesTo(HostC);
            var clock = Stopwatch.StartNew();
            // The reply, read back from the ctl (again while the writer's RELEASE is on its way: EBUSY).
            string reply = a.Ok($$"""
                for i in $(seq 100); do
                  exec 3<>"$M/pools/{{pa}}/vol/big/ctl"
                  if printf 'clone {{to}}/big\n' >&3 2>"$W/err"; then cat <&3; exit 0; fi
                  exec 3>&-; grep -q busy "$W/err" || { cat "$W/err" >&2; exit 1; }; sleep 0.1
                done
                exit 1
                """, TimeSpan.FromMinutes(3));
            long wire = net.BytesTo(HostC) - before;
            output.WriteLine($"{reply.Trim()}; {wire} bytes crossed C's link; clone took {clock.ElapsedMilliseconds} ms");
            Assert.StartsWith($"ok cloned volume big to {to}/big ({Size} bytes, ", reply, StringComparison.Ordinal);
            a.Ok($"cmp \"$M/pools/{pa}/volumes/big\" {OnC("big")}", TimeSpan.FromMinutes(2));
            // What crossed C's link (ssh's own bytes, TCP and IP headers included) is far less
            // than the volume: zstd on the wire.
            Assert.True(wire < Size / 4, $"{wire} bytes crossed the link for a {Size}-byte volume");

            // A taken name: EEXIST naming the host's pool, the volume there untouched.
            a.Fails($"echo 'clone {to}/big' > \"$M/pools/{pa}/vol/big/ctl\"", "File exists");
            a.Ok($"cmp -n 4096 \"$M/pools/{pa}/volumes/big\" {OnC("big")}");
            Assert.Equal($"{Size}\n", c.Ok($"stat -c %s \"$M/pools/{pc}/volumes/big\""));

            // An archive to C, and a restore on A from that archive: the bytes again.
            a.Ok($"when_free 'archive {to}/big.zst' \"$M/pools/{pa}/vol/big/ctl\"", TimeSpan.FromMinutes(3));
            // (Its bytes are proven by the restore below, which reads nothing else; here: it is
            // on C, compressed.)
            Assert.InRange(long.Parse(c.Ok($"stat -c %s \"$M/pools/{pc}/volumes/big.zst\""), CultureInfo.InvariantCulture), 1, Size / 4);
            a.Ok($"truncate -s {Size} \"$M/pools/{pa}/volumes/back\"");
            a.Ok($"when_free 'restore {to}/big.zst' \"$M/pools/{pa}/vol/back/ctl\"", TimeSpan.FromMinutes(3));
            a.Ok($"cmp \"$M/pools/{pa}/volumes/big\" \"$M/pools/{pa}/volumes/back\"", TimeSpan.FromMinutes(2));
            output.WriteLine($"clone, archive, restore and their checks: {clock.ElapsedMilliseconds} ms");

            // A copy cancelled half way (C's link slowed to 16 Mbit/s, so it is still under
            // way) is a job with its progress, and leaves no volume on C: the other host's end
            // sees its stream end short and removes what it made.
            a.Ok($"head -c {48L << 20} /dev/urandom > \"$M/pools/{pa}/volumes/rnd\"");
            Shell.Run($"tc qdisc add dev {net.HostSide(HostC)} root tbf rate 16mbit burst 32kbit latency 400ms");
            try
            {
                string job = a.Ok($"exec 3<>\"$M/pools/{pa}/vol/rnd/ctl\"; printf 'clone {to}/rnd nowait\\n' >&3; cat <&3").Trim();
                Assert.StartsWith("ok job ", job, StringComparison.Ordinal);
                string jobDir = $"$M/jobs/{job["ok job ".Length..]}";
                Assert.True(SpinWait.SpinUntil(() => c.Sh($"test -e \"$M/pools/{pc}/volumes/rnd\"").Succeeded &&
                    a.Ok($"cat \"{jobDir}/info\"").Contains($"Total:          {48L << 20}", StringComparison.Ordinal), TimeSpan.FromSeconds(30)),
                    "the copy never reached C:\n" + a.Ok($"cat \"{jobDir}/info\""));
                a.Ok($"echo cancel > \"{jobDir}/ctl\"");
                Assert.True(SpinWait.SpinUntil(() => a.Ok($"cat \"{jobDir}/state\"").Trim() == "cancelled", TimeSpan.FromSeconds(30)),
                    a.Ok($"cat \"{jobDir}/info\""));
                Assert.True(SpinWait.SpinUntil(() => !c.Sh($"test -e \"$M/pools/{pc}/volumes/rnd\"").Succeeded, TimeSpan.FromSeconds(60)),
                    "the cancelled copy stayed on C\n" + c.Sh($"ls -l \"$M/pools/{pc}/volumes\"; ps -ef | grep -e zstd -e sshd; tail -5 \"$M/errors\"") + "\n--- c ---\n" + c.Daemon.Log);
            }
            finally
            {
                Shell.Run($"tc qdisc del dev {net.HostSide(HostC)} root");
            }

            // A copy that fails half way (C's pool fills up) leaves no volume on C, and says why.
            string small = Path.Combine(c.StateDir, "small");
            Directory.CreateDirectory(small);
            c.Ok($"mount -t tmpfs -o size=32m storagefs-test \"{small}\"");
            try
            {
                c.Ok($"echo \"<pool type='dir'><name>small</name><target><path>{small}</path></target></pool>\" > \"$M/create\"");
                a.Fails($"echo 'clone ssh://{NetHosts.Address(HostC)}/small/big' > \"$M/pools/{pa}/vol/big/ctl\"", "write error");
                Assert.Contains("removed it", a.AssertLastError($"pools/{pa}/vol/big/ctl", "EIO"), StringComparison.Ordinal);
                Assert.Equal("", c.Ok("ls \"$M/pools/small/volumes\""));
                Assert.Equal("", c.Ok($"ls -A \"{small}\""));
                c.Ok("echo stop > \"$M/pools/small/ctl\"");
            }
            finally
            {
                c.Sh($"umount -l \"{small}\"");
            }
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}

/// <summary>Skips unless root, sshd, ssh, zstd, nsenter and ip are here.</summary>
public sealed class SshHostsFactAttribute : FactAttribute
{
    public SshHostsFactAttribute()
    {
        if (NetHosts.Missing is { } missing)
            Skip = missing;
    }
}
