namespace StorageFs.IntegrationTests.Tree;

/// <summary>
/// What <c>jobs/ID/</c> shows for jobs the tree starts without a control
/// command: an item delete counts the entries it removes (not <c>0 / 0</c>), and the job of a
/// <c>cp</c> upload into <c>volumes/</c> names the uploader's uid and pid (docs/TREE.md "Root").
/// </summary>
public sealed class JobInfoTests(TreeFixture fixture) : IClassFixture<TreeFixture>
{
    private readonly TreeMount _tree = fixture.Mount;

    // The info file (and a Progress: line) of the newest job whose Operation and Object are $1 and $2
    // (Object: POOL/TARGET).
    private const string JobInfo = """
        job_info() {
          found=
          for d in $(ls -d "$M"/jobs/* | sort -V); do
            if grep -q "^Operation: *$1\$" "$d/info" && grep -q "^Object: *$2\$" "$d/info"; then found=$d; fi
          done
          [ -n "$found" ] || { echo "no $1 job for $2" >&2; cat "$M"/jobs/*/info >&2; return 1; }
          cat "$found/info"; printf '%-15s %s\n' Progress: "$(cat "$found/progress")"
        }

        """;

    [Fact]
    public void ItemDelete_CountsTheEntriesItRemoves()
    {
        string f = _tree.NewRunningItem("jd");
        string text = _tree.Ok($"""
            {JobInfo}
            mkdir -p "$S/pools/{f}/a/d1/d2"
            for i in 1 2 3 4 5; do echo $i > "$S/pools/{f}/a/f$i"; done
            echo x > "$S/pools/{f}/a/d1/d2/g"
            ln -s f1 "$S/pools/{f}/a/link"
            echo 'delete a' > "$M/fspools/{f}/item/a/ctl"
            job_info ItemDelete "{f}/a"
            """);

        var info = InfoFile.Parse(text);
        // a, f1..f5, d1, d2, g, link: 10 entries.
        Assert.Equal(("done", 10UL, 10UL), (info["State"], info.Number("Done"), info.Number("Total")));
        Assert.Equal("10 / 10", info["Progress"]);
    }

    [Fact]
    public void CpUpload_ItsCreateJob_NamesTheUploadersUidAndPid()
    {
        string p = _tree.NewRunningPool("ju");
        string text = _tree.Ok($"""
            {JobInfo}
            echo data > "$W/{p}.src"
            cp "$W/{p}.src" "$M/pools/{p}/volumes/up.raw" & pid=$!
            wait $pid
            printf '%-15s %s\n' CpPid: $pid
            job_info VolumeCreate "{p}/up.raw"
            """);

        var info = InfoFile.Parse(text);
        Assert.Equal("0", info["Uid"]);
        Assert.Equal(info["CpPid"], info["Pid"]);
    }
}
