using StorageFs.IntegrationTests.Tree;

namespace StorageFs.IntegrationTests.Faults;

/// <summary>
/// Volumes deleted while another process lists and stats them. Every answer
/// must be success or ENOENT. The EIO seen was a volume still being created (listed, but
/// without a path yet: "has no path yet" was an internal error), and a probe of a file deleted
/// between its stat and its open reported as an internal error.
/// </summary>
public sealed class VanishingVolumeTests(TreeFixture fixture) : IClassFixture<TreeFixture>
{
    private readonly TreeMount _tree = fixture.Mount;

    [Fact]
    public void VolumesDeletedDuringListings_StatGivesSuccessOrENOENT_NeverEIO()
    {
        string pool = _tree.NewRunningPool("vanish");

        // One writer creates and deletes volumes through the tree and behind its back (in the
        // pool's directory), two readers list and stat them for 8 s.
        ShellResult r = _tree.Sh($$"""
            V="$M/pools/{{pool}}/volumes"; H="$S/pools/{{pool}}"
            end=$((SECONDS + 8))
            ( while [ $SECONDS -lt $end ]; do
                for i in 1 2 3 4 5 6 7 8; do : > "$V/t$i"; head -c 4096 /dev/zero > "$H/h$i"; done
                for i in 1 2 3 4 5 6 7 8; do rm -f "$V/t$i"; rm -f "$H/h$i"; done
              done ) &
            ( while [ $SECONDS -lt $end ]; do
                for i in 1 2 3 4; do
                  echo "<volume><name>c$i</name><capacity unit='M'>8</capacity><allocation unit='M'>8</allocation></volume>" > "$M/pools/{{pool}}/create"
                done
                for i in 1 2 3 4; do echo "delete c$i" > "$M/pools/{{pool}}/vol/c$i/ctl"; done
              done ) &
            for k in 1 2; do
              ( while [ $SECONDS -lt $end ]; do
                  ls -l "$V" >/dev/null 2>>"$W/err$k"
                  for i in 1 2 3 4 5 6 7 8; do stat "$V/t$i" "$V/h$i" "$V/c$i" >/dev/null 2>>"$W/err$k"; done
                  cat "$M/pools/{{pool}}/vol/h1/info" >/dev/null 2>>"$W/err$k"
                done ) &
            done
            wait
            cat "$W"/err* | grep -v -e 'No such file or directory' || true
            rm -f "$W"/err*
            """, TimeSpan.FromSeconds(60));

        Assert.True(r.Succeeded, _tree.Describe(r));
        Assert.True(r.Stdout.Trim().Length == 0, "errors other than ENOENT:\n" + _tree.Describe(r));
        Assert.DoesNotContain("Input/output error", r.Stdout, StringComparison.Ordinal);
    }
}
