using Xunit.Abstractions;
using StorageFs.IntegrationTests.Tree;

namespace StorageFs.IntegrationTests.Cluster;

/// <summary>
/// Host-to-host copy (issue 17, item 6) between two hosts with networks of their own: A and C,
/// each a daemon in a network namespace with its own address and sshd, A's ssh given the key
/// and known hosts by an ssh_config file. The volume is 256 MiB (the issue says 1 GiB; a quarter
/// keeps the CI run short and still crosses hundreds of zstd blocks and pipe buffers). Both
/// daemons share this machine's mount namespace, so A's configuration names C's mount point as
/// the other hosts' tree (a host of its own mounts at /storage, the default).
/// </summary>
[Collection("cluster")]
public sealed class HostCopyTests(ITestOutputHelper output)
{
    private const long Size = 256L << 20;

    [SshHostsFact]
    public void CloneArchiveRestore_ToAndFromAnotherHost_OverSsh_CarryTheBytes_ZstdCompressed_AndAFailedCopyLeavesNothing()
    {
        var root = Directory.CreateTempSubdirectory("storagefs-hostcopy-").FullName;
        try
        {
            using var net = new NetHosts(Path.Combine(root, "net"), 2);
            const int HostA = 1, HostC = 2;
            using var c = TreeMount.StartWrapped(net.Wrapper(HostC));
            using var a = TreeMount.StartWrapped(net.Wrapper(HostA),
                $$"""
                "ssh": { "configFile": "{{net.SshConfig}}", "remoteTree": "{{c.MountPoint}}" }
                """);
            string pa = a.NewRunningPool("pa");
            string pc = c.NewRunningPool("pc");
            string to = $"ssh://{NetHosts.Address(HostC)}/{pc}";

            // Compressible content: 192 MiB of text, then 64 MiB never written (a hole).
            a.Ok($"{{ yes 'a line of a volume that compresses well' || true; }} | head -c {192L << 20} > \"$M/pools/{pa}/volumes/big\"; truncate -s {Size} \"$M/pools/{pa}/volumes/big\"");

            long before = net.BytesTo(HostC);
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
            output.WriteLine($"{reply.Trim()}; {wire} bytes crossed C's link");
            Assert.StartsWith($"ok cloned volume big to {to}/big ({Size} bytes, ", reply, StringComparison.Ordinal);
            a.Ok($"cmp \"$M/pools/{pa}/volumes/big\" \"{c.MountPoint}/pools/{pc}/volumes/big\"");
            // What crossed C's link (ssh's own bytes, TCP and IP headers included) is far less
            // than the volume: zstd on the wire.
            Assert.True(wire < Size / 4, $"{wire} bytes crossed the link for a {Size}-byte volume");

            // A taken name: EEXIST naming the host's pool, the volume there untouched.
            a.Fails($"echo 'clone {to}/big' > \"$M/pools/{pa}/vol/big/ctl\"", "File exists");
            a.Ok($"cmp \"$M/pools/{pa}/volumes/big\" \"{c.MountPoint}/pools/{pc}/volumes/big\"");

            // An archive to C, and a restore on A from that archive: the bytes again.
            a.Ok($"when_free 'archive {to}/big.zst' \"$M/pools/{pa}/vol/big/ctl\"", TimeSpan.FromMinutes(3));
            a.Ok($"zstd -q -d -c \"{c.MountPoint}/pools/{pc}/volumes/big.zst\" | cmp - \"$M/pools/{pa}/volumes/big\"");
            a.Ok($"truncate -s {Size} \"$M/pools/{pa}/volumes/back\"");
            a.Ok($"when_free 'restore {to}/big.zst' \"$M/pools/{pa}/vol/back/ctl\"", TimeSpan.FromMinutes(3));
            a.Ok($"cmp \"$M/pools/{pa}/volumes/big\" \"$M/pools/{pa}/volumes/back\"");

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
                Assert.True(SpinWait.SpinUntil(() => File.Exists($"{c.MountPoint}/pools/{pc}/volumes/rnd") &&
                    a.Ok($"cat \"{jobDir}/info\"").Contains($"Total:          {48L << 20}", StringComparison.Ordinal), TimeSpan.FromSeconds(30)),
                    "the copy never reached C:\n" + a.Ok($"cat \"{jobDir}/info\""));
                a.Ok($"echo cancel > \"{jobDir}/ctl\"");
                Assert.True(SpinWait.SpinUntil(() => a.Ok($"cat \"{jobDir}/state\"").Trim() == "cancelled", TimeSpan.FromSeconds(30)),
                    a.Ok($"cat \"{jobDir}/info\""));
                Assert.True(SpinWait.SpinUntil(() => !File.Exists($"{c.MountPoint}/pools/{pc}/volumes/rnd"), TimeSpan.FromSeconds(60)),
                    "the cancelled copy stayed on C");
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
                Assert.Empty(Directory.GetFileSystemEntries(small));
                c.Ok("echo stop > \"$M/pools/small/ctl\"");
            }
            finally
            {
                Shell.Run($"umount -l \"{small}\"");
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
