using StorageFs.IntegrationTests.Tree;

namespace StorageFs.IntegrationTests.Faults;

/// <summary>
/// Pool targets: an unprivileged user who owns a directory on a pool's path
/// swaps one of its components for a symbolic link to a root-owned directory, over and over,
/// while root builds and deletes the pool through /storage. Root's mkdir, chmod, chown and
/// rmdir act through descriptors walked without following links, so nothing outside the
/// allowed directories changes: the victim directory keeps its mode, owner and contents.
/// </summary>
public sealed class TargetSymlinkSwapTests(TreeFixture fixture) : IClassFixture<TreeFixture>
{
    private readonly TreeMount _tree = fixture.Mount;

    [Fact]
    public void ComponentSwappedForALinkDuringBuildAndDelete_NothingOutsideChanges()
    {
        string pool = _tree.NewName("swap");

        string result = _tree.Ok($$"""
            U="$S/users-{{pool}}"; V="$W/victim-{{pool}}"
            mkdir -p "$U/a" "$V/pool"; chmod 0700 "$V" "$V/pool"; touch "$V/keep"
            chown -R 65534:65534 "$U"
            echo "<pool type='dir'><name>{{pool}}</name><target><path>$U/a/pool</path><permissions><mode>0777</mode><owner>65534</owner><group>65534</group></permissions></target></pool>" > "$M/define"
            ln -s "$V" "$U/b"; chown -h 65534:65534 "$U/b"
            # The swapper: a and b exchanged atomically (renameat2 RENAME_EXCHANGE) as fast as
            # it can, so a is the directory one instant and a link to the victim the next.
            setpriv --reuid=65534 --regid=65534 --clear-groups /usr/bin/python3 -c '
            import ctypes, os, sys, time
            libc = ctypes.CDLL(None, use_errno=True)
            os.chdir(sys.argv[1]); end = time.time() + 10
            while time.time() < end:
                libc.renameat2(-100, b"a", -100, b"b", 2)
            ' "$U" &
            swapper=$!
            ok=0; refused=0; end=$((SECONDS + 8))
            while [ $SECONDS -lt $end ]; do
              if echo build > "$M/pools/{{pool}}/ctl" 2>/dev/null; then ok=$((ok + 1)); else refused=$((refused + 1)); fi
              echo "delete {{pool}}" > "$M/pools/{{pool}}/ctl" 2>/dev/null || true
            done
            wait $swapper
            echo "builds ok=$ok refused=$refused"
            stat -c '%a %u %g' "$V" "$V/pool"
            ls -A "$V" | tr '\n' ' '; echo
            """, TimeSpan.FromSeconds(60));

        string[] lines = result.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length >= 4, result);
        Assert.Equal("700 0 0", lines[^3]);
        Assert.Equal("700 0 0", lines[^2]);
        Assert.Equal("keep pool ", lines[^1]);
        Assert.StartsWith("builds ok=", lines[^4], StringComparison.Ordinal);
        Assert.DoesNotContain("ok=0 ", lines[^4], StringComparison.Ordinal); // the race ran: some builds found the directory
    }

    [Fact]
    public void TargetWhoseComponentIsNowALink_BuildIsRefusedWithEPERM_AndNothingIsCreatedThere()
    {
        string pool = _tree.NewName("swapped");

        _tree.Ok($$"""
            U="$S/users-{{pool}}"; V="$W/victim-{{pool}}"
            mkdir -p "$U/a" "$V"; chmod 0700 "$V"
            echo "<pool type='dir'><name>{{pool}}</name><target><path>$U/a/pool</path></target></pool>" > "$M/define"
            mv "$U/a" "$U/a.real"; ln -s "$V" "$U/a"
            ! echo build > "$M/pools/{{pool}}/ctl"
            test ! -e "$V/pool"
            """);
        _tree.AssertLastError($"pools/{pool}/ctl", "EPERM");
    }
}
