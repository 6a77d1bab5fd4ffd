namespace StorageFs.IntegrationTests.Tree;

/// <summary>
/// docs/TREE.md "Volumes are files": the kernel delivers a closed file's RELEASE after close(2)
/// has returned, so a command written to a volume's ctl right after its writer closed could meet
/// the closing open. A command refused only because the volume is open waits for it to close
/// (up to 2 s) before EBUSY stands: plain `echo CMD > ctl` after a write works every time, and a
/// volume that stays open is still refused.
/// </summary>
public sealed class SettleTests(TreeFixture fixture) : IClassFixture<TreeFixture>
{
    private readonly TreeMount _tree = fixture.Mount;

    [Fact]
    public void ACommandRightAfterTheLastCloseOfAWriter_IsNeverRefused()
    {
        string p = _tree.NewRunningPool("settle");
        // No retry anywhere: each ctl write follows the close of a writer of the same volume at once.
        _tree.Ok($$"""
            for i in $(seq 40); do
              head -c 65536 /dev/urandom | dd of="$M/pools/{{p}}/volumes/v.raw" bs=64k conv=notrunc status=none
              echo "resize $((1048576 + i * 4096))" > "$M/pools/{{p}}/vol/v.raw/ctl"
            done
            """);
        Assert.Equal("1212416", _tree.Ok($"stat -c %s \"$M/pools/{p}/volumes/v.raw\"").Trim());
        _tree.Ok($$"""
            for i in $(seq 5); do
              head -c 65536 /dev/urandom | dd of="$M/pools/{{p}}/volumes/v.raw" bs=64k conv=notrunc status=none
              echo "clone c$i.raw" > "$M/pools/{{p}}/vol/v.raw/ctl"
              cmp "$M/pools/{{p}}/volumes/v.raw" "$M/pools/{{p}}/volumes/c$i.raw"
            done
            """);
    }

    [Fact]
    public void AVolumeThatStaysOpen_IsStillRefusedWithEBUSY_AndFreedByItsClose()
    {
        string p = _tree.NewRunningPool("settle");
        _tree.Ok($"head -c 65536 /dev/urandom > \"$M/pools/{p}/volumes/v.raw\"");
        string err = _tree.Fails($$"""
            exec 3>>"$M/pools/{{p}}/volumes/v.raw"
            echo "clone held.raw" > "$M/pools/{{p}}/vol/v.raw/ctl"
            """, "Device or resource busy");
        _tree.AssertLastError($"pools/{p}/vol/v.raw/ctl", "EBUSY");
        Assert.False(File.Exists(Path.Combine(_tree.MountPoint, "pools", p, "volumes", "held.raw")), err);
        // Closed while the command waits: the command then runs.
        _tree.Ok($$"""
            exec 3>>"$M/pools/{{p}}/volumes/v.raw"
            ( sleep 0.5; exec 3>&- ) &
            exec 3>&-
            echo "clone freed.raw" > "$M/pools/{{p}}/vol/v.raw/ctl"
            cmp "$M/pools/{{p}}/volumes/v.raw" "$M/pools/{{p}}/volumes/freed.raw"
            """);
    }
}
