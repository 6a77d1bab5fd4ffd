namespace StorageFs.IntegrationTests.Tree;

/// <summary>
/// The toolbox's <c>snapshot NEW</c> on an rbd pool: NEW is a
/// writable copy-on-write clone of a new protected snapshot of the volume, <c>info</c> says what
/// it is a snapshot of, the parent cannot be deleted while the clone exists (the message names
/// the clone), and once the clone is gone the parent's snapshot goes with the parent.
/// </summary>
[Collection("ceph")]
public sealed class RbdSnapshotTests(RbdFixture fixture)
{
    private readonly TreeMount _tree = fixture.Mount;
    private readonly CephCluster _ceph = fixture.Cluster;
    private readonly string _p = fixture.Pool;

    [CephFact]
    public void Snapshot_IsAWritableCowClone_InfoSaysOfWhat_AndTheParentsDeleteIsRefusedWhileItExists()
    {
        string v = _tree.NewName("base");
        string s = v + "-snap";
        string c = _ceph.Pool;
        _tree.Ok($"""
            head -c 9M /dev/urandom > "$W/{v}"
            cp "$W/{v}" "$M/pools/{_p}/volumes/{v}"
            when_free 'snapshot {s}' "$M/pools/{_p}/vol/{v}/ctl"
            {_ceph.RbdCommand} export --no-progress {c}/{s} - | cmp - "$W/{v}"
            # The snapshot is writable; its writes stay its own.
            head -c 64K /dev/urandom > "$W/patch"
            dd if="$W/patch" of="$M/pools/{_p}/volumes/{s}" bs=64K seek=17 conv=notrunc,fsync status=none
            cp "$W/{v}" "$W/{s}"
            dd if="$W/patch" of="$W/{s}" bs=64K seek=17 conv=notrunc status=none
            {_ceph.RbdCommand} export --no-progress {c}/{s} - | cmp - "$W/{s}"
            {_ceph.RbdCommand} export --no-progress {c}/{v} - | cmp - "$W/{v}"
            """);
        Assert.Contains($"parent: {c}/{v}@libvirt-", _ceph.Rbd("info", $"{c}/{s}"), StringComparison.Ordinal);
        string info = _tree.Ok($"cat \"$M/pools/{_p}/vol/{s}/info\"");
        Assert.Matches($@"Snapshot of:\s+{c}/{v}@libvirt-\d+ \(copy-on-write clone\)", info);
        Assert.Matches(@"Snapshot of:\s+-", _tree.Ok($"cat \"$M/pools/{_p}/vol/{v}/info\""));

        _tree.Fails($"rm \"$M/pools/{_p}/volumes/{v}\"", "Device or resource busy");
        string line = _tree.AssertLastError($"pools/{_p}/volumes/{v}", "EBUSY", "unlink");
        Assert.Contains($"parent of copy-on-write clones ({c}/{s})", line, StringComparison.Ordinal);
        Assert.Contains(v, _ceph.Rbd("ls", c).Split('\n'));

        // Without its clone the parent goes, and its clone snapshot with it.
        _tree.Ok($"""
            rm "$M/pools/{_p}/volumes/{s}"
            rm "$M/pools/{_p}/volumes/{v}"
            """);
        Assert.DoesNotContain(v, _ceph.Rbd("ls", c).Split('\n'));
    }
}
