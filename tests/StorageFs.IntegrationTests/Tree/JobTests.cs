namespace StorageFs.IntegrationTests.Tree;

/// <summary>
/// <c>jobs/ID/</c>: a long wipe blocks its writer while <c>jobs/</c> shows its progress, and it
/// can be cancelled through <c>jobs/ID/ctl</c> or by Ctrl-C on the writer; either way the writer
/// fails with EINTR (docs/TREE.md).
/// </summary>
public sealed class JobTests : IClassFixture<TreeFixture>
{
    /// <summary>Prints the id of the running wipe of VOL once it has done some bytes (the volume is in $P).</summary>
    private const string FindRunningWipe = """
        job=
        for i in $(seq 400); do
          for d in "$M"/jobs/*/; do
            [ -e "$d/info" ] || continue
            if grep -q "^Operation: *VolumeWipe" "$d/info" && grep -q "^Object: *$POOL/$VOL\$" "$d/info" && grep -qx running "$d/state"; then
              job=$(basename "$d")
            fi
          done
          if [ -n "$job" ] && [ "$(cut -d' ' -f1 "$M/jobs/$job/progress")" -gt 0 ]; then break; fi
          sleep 0.05
        done
        [ -n "$job" ] || { echo "no running wipe of $POOL/$VOL in jobs/" >&2; ls -l "$M/jobs" >&2; exit 1; }
        """;

    private readonly TreeMount _tree;
    private readonly string _pool = "jobs";

    public JobTests(TreeFixture fixture)
    {
        _tree = fixture.Mount;
        if (!Directory.Exists(Path.Combine(_tree.MountPoint, "pools", _pool)))
        {
            _tree.Ok($"""
                echo "{_tree.PoolXml(_pool)}" > "$M/define"
                echo build > "$M/pools/{_pool}/ctl"
                echo start > "$M/pools/{_pool}/ctl"
                """);
        }
    }

    [Fact]
    public void AWipeInProgress_ShowsInJobs_AndCancelThroughCtl_FailsTheWriterWithEINTR()
    {
        string seen = _tree.Ok($$"""
            POOL={{_pool}} VOL=cancel.raw
            P="$M/pools/$POOL"
            truncate -s 2G "$P/volumes/$VOL"
            { rc=0; echo 'wipe dod' > "$P/vol/$VOL/ctl" || rc=$?; echo "rc=$rc" > "$W/wipe.rc"; } 2> "$W/wipe.err" &
            writer=$!
            {{FindRunningWipe}}
            first=$(cat "$M/jobs/$job/progress")
            sleep 0.3
            echo "$first"
            cat "$M/jobs/$job/progress"
            echo cancel > "$M/jobs/$job/ctl"
            wait $writer || true
            cat "$W/wipe.rc" "$W/wipe.err"
            cat "$M/jobs/$job/state"
            grep '^Error:' "$M/jobs/$job/info"
            echo cancel 2>&1 > "$M/jobs/$job/ctl" && exit 1
            rm "$P/volumes/$VOL"
            """, TimeSpan.FromSeconds(90));

        string[] lines = seen.Split('\n');
        (ulong done1, ulong total) = Progress(lines[0]);
        (ulong done2, ulong total2) = Progress(lines[1]);
        Assert.True(done1 > 0 && done2 >= done1 && total == total2 && total >= 2UL << 30,
            $"progress should be DONE / TOTAL with DONE moving on towards a TOTAL of at least 2 GiB:\n{seen}");
        Assert.True(done2 < total, $"the wipe finished before it could be cancelled:\n{seen}");
        Assert.Equal("rc=1", lines[2]);
        Assert.Contains("write error: Interrupted system call", lines[3], StringComparison.Ordinal);
        Assert.Equal("cancelled", lines[4]);
        Assert.StartsWith("Error:", lines[5], StringComparison.Ordinal);
        Assert.Contains("EINTR:", lines[5], StringComparison.Ordinal);
        Assert.Contains("write error: Device or resource busy", seen, StringComparison.Ordinal);
    }

    /// <summary>
    /// Ctrl-C is SIGINT to the writer: the kernel sends FUSE INTERRUPT for the blocked write,
    /// the caller is dying, so the write fails with EINTR at once and the job is cancelled
    /// instead of running the wipe to its end.
    /// </summary>
    [Fact]
    public void CtrlCOnTheWriter_CancelsTheWipe_AndTheWriterReturnsAtOnce()
    {
        string seen = _tree.Ok($$"""
            POOL={{_pool}} VOL=ctrlc.raw
            P="$M/pools/$POOL"
            truncate -s 2G "$P/volumes/$VOL"
            env --default-signal=INT bash -c 'echo "wipe dod" > "$1"' _ "$P/vol/$VOL/ctl" 2> "$W/ctrlc.err" &
            writer=$!
            {{FindRunningWipe}}
            start=$(date +%s%N)
            kill -s INT $writer
            rc=0; wait $writer || rc=$?
            echo "ms=$(( ($(date +%s%N) - start) / 1000000 )) rc=$rc"
            # EINTR comes at once; the cancelled wipe stops right after
            for i in $(seq 100); do [ "$(cat "$M/jobs/$job/state")" = running ] || break; sleep 0.05; done
            cat "$M/jobs/$job/state"
            rm "$P/volumes/$VOL"
            """, TimeSpan.FromSeconds(90));

        string[] lines = seen.Split('\n');
        int ms = int.Parse(lines[0].Split(' ')[0]["ms=".Length..], CultureInfo.InvariantCulture);
        Assert.True(ms < 5000, $"the writer took {ms} ms to return after SIGINT (the wipe ran on):\n{seen}");
        Assert.NotEqual("rc=0", lines[0].Split(' ')[1]);
        Assert.Equal("cancelled", lines[1]);
    }

    /// <summary>docs/TREE.md: a trailing <c>nowait</c> returns at once; <c>jobs/ID/wait</c> blocks until the end and fails when the job did.</summary>
    [Fact]
    public void Nowait_ReturnsAtOnce_AndJobsWait_EndsWithTheJob()
    {
        string seen = _tree.Ok($$"""
            POOL={{_pool}} VOL=nowait.raw
            P="$M/pools/$POOL"
            truncate -s 2G "$P/volumes/$VOL"
            start=$(date +%s%N)
            echo 'wipe dod nowait' > "$P/vol/$VOL/ctl"
            echo "ms=$(( ($(date +%s%N) - start) / 1000000 ))"
            {{FindRunningWipe}}
            cat "$M/jobs/$job/wait" > "$W/wait.out" 2> "$W/wait.err" &
            waiter=$!
            sleep 0.2
            echo cancel > "$M/jobs/$job/ctl"
            rc=0; wait $waiter || rc=$?
            echo "rc=$rc"
            cat "$W/wait.out" "$W/wait.err"
            cat "$M/jobs/$job/state"
            rm "$P/volumes/$VOL"
            for d in "$M"/jobs/*/; do
              if grep -q "^Operation: *PoolBuild" "$d/info" && grep -q "^Object: *$POOL\$" "$d/info"; then cat "$d/wait"; fi
            done
            """, TimeSpan.FromSeconds(90));

        string[] lines = seen.Split('\n');
        int ms = int.Parse(lines[0]["ms=".Length..], CultureInfo.InvariantCulture);
        Assert.True(ms < 3000, $"'wipe dod nowait' took {ms} ms to return:\n{seen}");
        Assert.NotEqual("rc=0", lines[1]);
        Assert.Contains("Operation canceled", lines[2], StringComparison.Ordinal);
        Assert.Equal("cancelled", lines[3]);
        Assert.Equal("done", lines[4]);
    }

    private static (ulong Done, ulong Total) Progress(string line)
    {
        string[] w = line.Split(" / ");
        Assert.True(w.Length == 2, $"progress not in 'DONE / TOTAL' form: \"{line}\"");
        return (ulong.Parse(w[0], CultureInfo.InvariantCulture), ulong.Parse(w[1], CultureInfo.InvariantCulture));
    }
}
