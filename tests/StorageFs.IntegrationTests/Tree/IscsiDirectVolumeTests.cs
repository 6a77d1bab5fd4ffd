namespace StorageFs.IntegrationTests.Tree;

/// <summary>
/// iscsi-direct volumes through a real mount: a pool on a private tgtd with
/// file-backed LUNs, whose <c>volumes/unit:0:0:N</c> are regular files of the LUN's size served
/// by the daemon through libiscsi, driven with dd, cmp, truncate and qemu-img; a killed target
/// gives an error with its message in <c>errors</c>, not a hang.
/// </summary>
public sealed class IscsiDirectVolumeTests(TreeFixture fixture) : IClassFixture<TreeFixture>
{
    private const string Initiator = "iqn.2026-11.org.storagefs:tree";
    private readonly TreeMount _tree = fixture.Mount;

    [TgtFact]
    public void LunVolumes_AreRegularFilesOfTheLunsSize_WhoseBytesAreTheLuns()
    {
        using var tgt = new TgtDaemon(_tree.WorkDir, 16L << 20, 8L << 20);
        string p = StartPool(tgt);
        string v = $"pools/{p}/volumes/unit:0:0:1";

        Assert.Equal("unit:0:0:0\nunit:0:0:1\nunit:0:0:2\n", _tree.Ok($"ls \"$M/pools/{p}/volumes\""));
        Assert.Equal("16777216 regular file\n", _tree.Ok($"stat -c '%s %F' \"$M/{v}\""));

        // dd in, then the same bytes in tgt's backing file and back through the tree.
        _tree.Ok($"""
            head -c 16M /dev/urandom > "$W/pattern"
            dd if="$W/pattern" of="$M/{v}" bs=1M conv=notrunc,fsync status=none
            cmp "$W/pattern" "{tgt.LunFiles[0]}"
            cmp "$W/pattern" "$M/{v}"
            """);
        // Unaligned bytes in the middle of a block (read, merge, write), seen by the backing file.
        _tree.Ok($"""
            printf 'storagefs' | dd of="$M/{v}" bs=1 seek=1000003 conv=notrunc status=none
            test "$(dd if="{tgt.LunFiles[0]}" bs=1 skip=1000003 count=9 status=none)" = storagefs
            printf 'storagefs' | dd of="$W/pattern" bs=1 seek=1000003 conv=notrunc status=none
            cmp "$W/pattern" "$M/{v}"
            """);

        _tree.Fails($"dd if=/dev/zero of=\"$M/{v}\" bs=1M count=1 seek=16 conv=notrunc status=none", "No space left on device");
        _tree.AssertLastError(v, "ENOSPC");
        _tree.Fails($"truncate -s 32M \"$M/{v}\"", "Operation not permitted");
        Assert.Contains("cannot resize its volumes", _tree.AssertLastError(v, "EPERM", op: "truncate"), StringComparison.Ordinal);
        _tree.Fails($"truncate -s 1M \"$M/{v}\"", "Operation not permitted");
        _tree.Fails($"echo x > \"$M/{v}\"", "Operation not permitted");
        _tree.Ok($"cmp \"$W/pattern\" \"{tgt.LunFiles[0]}\"");

        // Eight readers at once share the LUN's few sessions; the last close logs them all out.
        _tree.Ok($"""
            pids=""
            for i in 1 2 3 4 5 6 7 8; do cmp "$W/pattern" "$M/{v}" & pids="$pids $!"; done
            for p in $pids; do wait "$p"; done
            """);
        Assert.True(SpinWait.SpinUntil(() => Connections(tgt) == 0, TimeSpan.FromSeconds(10)),
            $"{Connections(tgt)} connections to the target 10 s after the last close");

        string info = _tree.Ok($"qemu-img info \"$M/{v}\"");
        Assert.Contains("file format: raw", info, StringComparison.Ordinal);
        Assert.Contains("virtual size: 16 MiB (16777216 bytes)", info, StringComparison.Ordinal);
        Assert.Equal("8388608\n", _tree.Ok($"stat -c %s \"$M/pools/{p}/volumes/unit:0:0:2\""));
        _tree.Ok($"cmp -n 8M /dev/zero \"$M/pools/{p}/volumes/unit:0:0:2\"");
    }

    [TgtFact]
    public void AKilledTarget_FailsReadsAndOpens_WithEIO_AndAMessage_NotAHang()
    {
        var tgt = new TgtDaemon(_tree.WorkDir, 4L << 20);
        string p = StartPool(tgt);
        string v = $"pools/{p}/volumes/unit:0:0:1";
        _tree.Ok($"cmp -n 4M /dev/zero \"$M/{v}\"");

        tgt.Kill();
        tgt.Dispose();

        var clock = System.Diagnostics.Stopwatch.StartNew();
        _tree.Fails($"cat \"$M/{v}\" > /dev/null", "Input/output error");
        // Generous: a refused connection fails at once; the bound is the 30 s command timeout.
        Assert.InRange(clock.Elapsed.TotalSeconds, 0, 40);
        string line = _tree.AssertLastError(v, "EIO", op: "open");
        Assert.Contains(tgt.Target, line, StringComparison.Ordinal);
        Assert.Contains("cannot log in", line, StringComparison.Ordinal);
        // The tree still answers.
        _tree.Ok($"cat \"$M/pools/{p}/info\" > /dev/null");
    }

    [TgtFact]
    public void ChapFromTheSecretStore_TheRightValueStartsAndReads_AMissingOrWrongOneFailsWithItsErrno()
    {
        using var tgt = new TgtDaemon(_tree.WorkDir, 4L << 20);
        tgt.RequireChap("sfsuser", "sfs-chap-pass-1");
        string p = _tree.NewName("iscsichap");
        string usage = "iqn.chap." + p;
        string v = $"pools/{p}/volumes/unit:0:0:1";
        _tree.Ok($"""
            echo "<pool type='iscsi-direct'><name>{p}</name><source><host name='127.0.0.1' port='{tgt.Port}'/><device path='{tgt.Target}'/><initiator><iqn name='{Initiator}'/></initiator><auth type='chap' username='sfsuser'><secret usage='{usage}'/></auth></source></pool>" > "$M/define"
            """);

        // No such secret: ENOKEY, saying which.
        _tree.Fails($"echo start > \"$M/pools/{p}/ctl\"", "Required key not available");
        Assert.Contains($"no secret with matching usage '{usage}'", _tree.AssertLastError($"pools/{p}/ctl", "ENOKEY"), StringComparison.Ordinal);

        // Defined without a value: ENOKEY too.
        string u = _tree.Ok($"""
            exec 3<>"$M/secrets/define"
            echo "<secret private='yes'><usage type='iscsi'><target>{usage}</target></usage></secret>" >&3
            cat <&3
            """).Split(' ')[3].Trim();
        _tree.Fails($"echo start > \"$M/pools/{p}/ctl\"", "Required key not available");
        Assert.Contains($"secret '{u}' does not have a value", _tree.AssertLastError($"pools/{p}/ctl", "ENOKEY"), StringComparison.Ordinal);

        // A wrong password: the target refuses the login, EKEYREJECTED naming the user, never the password.
        _tree.Ok($"printf wrong-password | base64 > \"$M/secrets/{u}/value\"");
        _tree.Fails($"echo start > \"$M/pools/{p}/ctl\"", "Key was rejected by service");
        string rejected = _tree.AssertLastError($"pools/{p}/ctl", "EKEYREJECTED");
        Assert.Contains("refused the CHAP login of user 'sfsuser'", rejected, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-password", rejected, StringComparison.Ordinal);
        Assert.Equal("inactive\n", _tree.Ok($"cat \"$M/pools/{p}/state\""));

        // The right one: the pool starts and the LUN's bytes are read and written through libiscsi.
        _tree.Ok($"""
            printf sfs-chap-pass-1 | base64 > "$M/secrets/{u}/value"
            echo start > "$M/pools/{p}/ctl"
            head -c 4M /dev/urandom > "$W/chap.{p}"
            dd if="$W/chap.{p}" of="$M/{v}" bs=1M conv=notrunc,fsync status=none
            cmp "$W/chap.{p}" "{tgt.LunFiles[0]}"
            cmp "$W/chap.{p}" "$M/{v}"
            """);
        // The data path logs in with libiscsi in process at the first open, with the secret's
        // value of that moment: once the last open has logged out, a wrong value is refused there too.
        Assert.True(SpinWait.SpinUntil(() => Connections(tgt) == 0, TimeSpan.FromSeconds(10)), "sessions still open 10 s after the last close");
        _tree.Ok($"printf wrong-again | base64 > \"$M/secrets/{u}/value\"");
        _tree.Fails($"cat \"$M/{v}\" > /dev/null", "Key was rejected by service");
        Assert.Contains("refused the CHAP login of user 'sfsuser'", _tree.AssertLastError(v, "EKEYREJECTED", op: "open"), StringComparison.Ordinal);
        _tree.Ok($"echo stop > \"$M/pools/{p}/ctl\"");
        Assert.DoesNotContain("sfs-chap-pass-1", _tree.Daemon.Log, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-again", _tree.Daemon.Log, StringComparison.Ordinal);
    }

    // Established TCP connections to the target's portal.
    private int Connections(TgtDaemon tgt) =>
        _tree.Ok($"ss -tnH state established dst {tgt.Portal}").Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;

    // Defines and starts an iscsi-direct pool on tgt's target; returns its name.
    private string StartPool(TgtDaemon tgt)
    {
        string p = _tree.NewName("iscsid");
        _tree.Ok($"""
            echo "<pool type='iscsi-direct'><name>{p}</name><source><host name='127.0.0.1' port='{tgt.Port}'/><device path='{tgt.Target}'/><initiator><iqn name='{Initiator}'/></initiator></source></pool>" > "$M/define"
            echo start > "$M/pools/{p}/ctl"
            """);
        return p;
    }

    private sealed class TgtFactAttribute : FactAttribute
    {
        public TgtFactAttribute()
        {
            if (Environment.UserName != "root")
                Skip = "needs root to run tgtd in a mount namespace of its own";
            else if (!TgtDaemon.Available)
                Skip = "needs tgtd and tgtadm (Debian package tgt), unshare and nsenter (util-linux)";
            else if (!File.Exists("/usr/bin/qemu-img") || !File.Exists("/usr/bin/iscsi-ls"))
                Skip = "needs qemu-img (qemu-utils) and iscsi-ls (libiscsi-bin, which brings libiscsi7)";
        }
    }
}
