namespace StorageFs.IntegrationTests.Tree;

/// <summary>
/// The rbd pool type on a private Ceph cluster: start connects (a wrong key or a
/// missing Ceph pool fails it with the reason), refresh lists images made by other clients with
/// their sizes and allocation, volume create/resize/clone/wipe/delete act on the images as
/// <c>rbd info</c> shows, and two pools on the same monitor and Ceph pool are one source.
/// </summary>
[Collection("ceph")]
public sealed class RbdPoolTests(RbdFixture fixture)
{
    private readonly TreeMount _tree = fixture.Mount;
    private readonly CephCluster _ceph = fixture.Cluster;
    private readonly string _p = fixture.Pool;

    [CephFact]
    public void StartStop_ConnectAndDisconnect_AndStartFailsWithTheReason_WhenTheKeyOrTheCephPoolIsWrong()
    {
        string p = _tree.NewName("life");
        _tree.Ok($"""
            echo "{fixture.PoolXml(p, fixture.SecondPool, $"<auth type='ceph' username='admin'><secret usage='{fixture.SecretUsage}'/></auth>")}" > "$M/define"
            echo start > "$M/pools/{p}/ctl"
            grep -q '^State: *running' "$M/pools/{p}/info"
            grep -Eq '^Capacity: *[1-9]' "$M/pools/{p}/info"
            echo stop > "$M/pools/{p}/ctl"
            grep -q '^State: *inactive' "$M/pools/{p}/info"
            echo start > "$M/pools/{p}/ctl"
            echo stop > "$M/pools/{p}/ctl"
            echo 'undefine {p}' > "$M/pools/{p}/ctl"
            """);
        string bad = _tree.NewName("nopool");
        _tree.Ok($"echo \"{fixture.PoolXml(bad, "nosuchpool")}\" > \"$M/define\"");
        _tree.Fails($"echo start > \"$M/pools/{bad}/ctl\"", "");
        Assert.Contains("Does the pool 'nosuchpool' exist?", _tree.AssertLastError($"pools/{bad}/ctl", "ENOENT"), StringComparison.Ordinal);
        _tree.Ok($"echo 'undefine {bad}' > \"$M/pools/{bad}/ctl\"");

        string nokey = _tree.NewName("nokey");
        _tree.Ok($"echo \"{fixture.PoolXml(nokey, fixture.SecondPool, $"<auth type='ceph' username='admin'><secret uuid='{Guid.NewGuid():D}'/></auth>")}\" > \"$M/define\"");
        _tree.Fails($"echo start > \"$M/pools/{nokey}/ctl\"", "");
        Assert.Contains("no secret with matching uuid", _tree.AssertLastError($"pools/{nokey}/ctl", "ENOKEY"), StringComparison.Ordinal);
        _tree.Ok($"echo 'undefine {nokey}' > \"$M/pools/{nokey}/ctl\"");
    }

    [CephFact]
    public void ASecondPool_OnTheSameMonitorAndCephPool_IsRefusedAsADuplicateSource()
    {
        string dup = _tree.NewName("dup");
        _tree.Fails($"echo \"{fixture.PoolXml(dup, fixture.Cluster.Pool)}\" > \"$M/define\"", "File exists");
        _tree.Ok($"test ! -e \"$M/pools/{dup}\"");
        // Another Ceph pool on the same monitor is another source.
        _tree.Ok($"""
            echo "{fixture.PoolXml(dup, fixture.SecondPool)}" > "$M/define"
            echo 'undefine {dup}' > "$M/pools/{dup}/ctl"
            """);
    }

    [CephFact]
    public void Refresh_ListsImagesOfOtherClients_WithSizeAndAllocationFromTheirExtents()
    {
        string v = _tree.NewName("ext");
        _ceph.Rbd("create", "--size", "100M", $"{_ceph.Pool}/{v}");
        _ceph.Rbd("bench", "--io-type", "write", "--io-size", "4M", "--io-total", "8M", "--io-pattern", "seq", $"{_ceph.Pool}/{v}");
        _tree.Ok($"ls \"$M/pools/{_p}/volumes\" | grep -qx {v}");
        string info = _tree.Ok($"echo refresh > \"$M/pools/{_p}/ctl\"; cat \"$M/pools/{_p}/vol/{v}/info\"");
        Assert.Contains("Capacity:       104857600 bytes", info, StringComparison.Ordinal);
        Assert.Contains("Allocation:     8388608 bytes", info, StringComparison.Ordinal);
        string xml = _tree.Ok($"cat \"$M/pools/{_p}/vol/{v}/xml\"");
        Assert.Contains("<volume type='network'>", xml, StringComparison.Ordinal);
        Assert.Contains($"<key>{_ceph.Pool}/{v}</key>", xml, StringComparison.Ordinal);
        Assert.Contains($"<path>{_ceph.Pool}/{v}</path>", xml, StringComparison.Ordinal);
    }

    [CephFact]
    public void CreateResizeWipeDelete_ActOnTheImage()
    {
        string v = _tree.NewName("vol");
        _tree.Ok($"""
            echo "<volume><name>{v}</name><capacity unit='M'>8</capacity></volume>" > "$M/pools/{_p}/create"
            test "$(stat -c %s "$M/pools/{_p}/volumes/{v}")" = 8388608
            """);
        Assert.Contains("size 8 MiB", _ceph.Rbd("info", $"{_ceph.Pool}/{v}"), StringComparison.Ordinal);
        _tree.Ok($"echo 'resize 16M' > \"$M/pools/{_p}/vol/{v}/ctl\"");
        Assert.Contains("size 16 MiB", _ceph.Rbd("info", $"{_ceph.Pool}/{v}"), StringComparison.Ordinal);
        _tree.Fails($"echo 'resize 4M' > \"$M/pools/{_p}/vol/{v}/ctl\"", "Operation not permitted");
        Assert.Contains("size 16 MiB", _ceph.Rbd("info", $"{_ceph.Pool}/{v}"), StringComparison.Ordinal);
        _tree.Ok($"echo 'resize 4M shrink' > \"$M/pools/{_p}/vol/{v}/ctl\"");
        Assert.Contains("size 4 MiB", _ceph.Rbd("info", $"{_ceph.Pool}/{v}"), StringComparison.Ordinal);

        _tree.Ok($"""
            head -c 4M /dev/urandom | dd of="$M/pools/{_p}/volumes/{v}" bs=1M conv=notrunc,fsync status=none
            for i in $(seq 100); do echo 'wipe zero' > "$M/pools/{_p}/vol/{v}/ctl" 2>/dev/null && break; sleep 0.1; done
            {_ceph.RbdCommand} export --no-progress {_ceph.Pool}/{v} - | cmp -n 4M - /dev/zero
            head -c 4M /dev/urandom | dd of="$M/pools/{_p}/volumes/{v}" bs=1M conv=notrunc,fsync status=none
            for i in $(seq 100); do echo 'wipe trim' > "$M/pools/{_p}/vol/{v}/ctl" 2>/dev/null && break; sleep 0.1; done
            {_ceph.RbdCommand} export --no-progress {_ceph.Pool}/{v} - | cmp -n 4M - /dev/zero
            """);
        _tree.Fails($"echo 'wipe dod' > \"$M/pools/{_p}/vol/{v}/ctl\"", "");
        _tree.Ok($"rm \"$M/pools/{_p}/volumes/{v}\"");
        Assert.DoesNotContain(v, _ceph.Rbd("ls", _ceph.Pool).Split('\n'));
    }

    [CephFact]
    public void Clone_IsACopyOnWriteChild_OfAProtectedSnapshot_AndTheParentStays()
    {
        string v = _tree.NewName("src");
        string c = v + "-cow";
        _tree.Ok($"""
            head -c 12M /dev/urandom > "$W/{v}"
            cp "$W/{v}" "$M/pools/{_p}/volumes/{v}"
            # The cp's RELEASE (sent by the kernel after close returns) ends its write lease.
            for i in $(seq 100); do echo 'clone {c}' > "$M/pools/{_p}/vol/{v}/ctl" 2>/dev/null && break; sleep 0.1; done
            cmp "$W/{v}" "$M/pools/{_p}/volumes/{c}"
            {_ceph.RbdCommand} export --no-progress {_ceph.Pool}/{c} - | cmp - "$W/{v}"
            """);
        string info = _ceph.Rbd("info", $"{_ceph.Pool}/{c}");
        Assert.Contains($"parent: {_ceph.Pool}/{v}@libvirt-", info, StringComparison.Ordinal);
        // The parent keeps its protected snapshot while the child exists.
        _tree.Fails($"rm \"$M/pools/{_p}/volumes/{v}\"", "");
        Assert.Contains(v, _ceph.Rbd("ls", _ceph.Pool).Split('\n'));
    }
}
