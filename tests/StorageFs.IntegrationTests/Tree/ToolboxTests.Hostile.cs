namespace StorageFs.IntegrationTests.Tree;

/// <summary>
/// An archive's DEST and a restore's SRC given as a path under an allowed directory, where an
/// unprivileged user (nobody) owns a directory on the way and swaps it for a symbolic link to
/// /etc, before the command or while the job runs: the daemon reaches the file through
/// descriptors walked from / without following a link (docs/TREE.md "The image toolbox"), so
/// nothing is written or read outside the allowed directory.
/// </summary>
public sealed partial class ToolboxTests
{
    private const string Nobody = "setpriv --reuid=65534 --regid=65534 --clear-groups";

    [Fact]
    public void ArchiveDest_WhoseParentNobodySwapsForALinkToEtc_IsWrittenNowhereOutside()
    {
        Preflight.RequireTool("setpriv", "util-linux");
        Preflight.RequireTool("xz", "xz-utils");
        string a = _tree.NewRunningPool("tbh");
        string h = $"$S/h-{a}";
        string file = $"x-{a}.xz";
        string seen = _tree.Ok($$"""
            mkdir {{h}} && chown 65534:65534 {{h}}
            {{Nobody}} mkdir {{h}}/sub
            head -c 6M /dev/urandom > "$M/pools/{{a}}/volumes/v.raw"
            # Swapped before the command: the path now leads to /etc, outside: EPERM.
            {{Nobody}} bash -c 'mv {{h}}/sub {{h}}/sub.1 && ln -s /etc {{h}}/sub'
            err=$( { echo "archive {{h}}/sub/{{file}} compress=xz" > "$M/pools/{{a}}/vol/v.raw/ctl"; } 2>&1 ) && exit 1
            echo "before: $err"
            # Swapped while the job runs (xz takes seconds over 6 MiB of random bytes).
            {{Nobody}} bash -c 'rm {{h}}/sub && mkdir {{h}}/sub'
            { echo "archive {{h}}/sub/{{file}} compress=xz" > "$M/pools/{{a}}/vol/v.raw/ctl"; echo "rc=$?" > "$W/{{a}}.rc"; } 2> "$W/{{a}}.err" &
            writer=$!
            job=
            for i in $(seq 400); do
              for d in "$M"/jobs/*/; do
                grep -qs "^Operation: *VolumeArchive" "$d/info" && grep -qs "^Object: *{{a}}/v.raw\$" "$d/info" && job=$d
              done
              [ -n "$job" ] && break
              sleep 0.05
            done
            {{Nobody}} bash -c 'mv {{h}}/sub {{h}}/sub.2 && ln -s /etc {{h}}/sub'
            wait $writer || true
            cat "$W/{{a}}.rc" "$W/{{a}}.err"
            test -e /etc/{{file}} && echo "WRITTEN IN /etc"
            # The archive went into the directory the job had opened (now sub.2), or nowhere when
            # the swap came before the job reached it (refused: a link on the way); whole or absent.
            if [ -e {{h}}/sub.2/{{file}} ]; then
              xz -d -c {{h}}/sub.2/{{file}} | cmp - "$S/pools/{{a}}/v.raw" && echo "archive in the original directory"
            else
              grep "^Error:" "$job/info" | grep -q "symbolic link" && echo "archive refused: a link on the way"
            fi
            rm -rf {{h}} "$W/{{a}}.rc" "$W/{{a}}.err"
            """, TimeSpan.FromSeconds(180));

        string[] lines = seen.Split('\n');
        Assert.StartsWith("before: ", lines[0], StringComparison.Ordinal);
        Assert.Contains("Operation not permitted", lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("WRITTEN IN /etc", seen, StringComparison.Ordinal);
        Assert.True(seen.Contains("archive in the original directory", StringComparison.Ordinal) ||
            seen.Contains("archive refused: a link on the way", StringComparison.Ordinal), seen);
        Assert.False(File.Exists($"/etc/{file}"));
    }

    [Fact]
    public void RestoreSrc_ThroughALinkNobodyPlants_ReadsNothingOutside_AndChangesNothing()
    {
        Preflight.RequireTool("setpriv", "util-linux");
        string a = _tree.NewRunningPool("tbi");
        string h = $"$S/i-{a}";
        string seen = _tree.Ok($$"""
            mkdir {{h}} && chown 65534:65534 {{h}}
            {{Nobody}} mkdir {{h}}/src
            head -c 64K /dev/urandom > "$M/pools/{{a}}/volumes/r.raw"
            cp "$S/pools/{{a}}/r.raw" "$W/{{a}}.before"
            # The file itself a link to a root-only file; the directory a link to /etc.
            {{Nobody}} ln -s /etc/shadow {{h}}/src/img.raw
            { echo "restore {{h}}/src/img.raw" > "$M/pools/{{a}}/vol/r.raw/ctl"; } 2>&1 | sed 's/^.*: //' || true
            {{Nobody}} bash -c 'mv {{h}}/src {{h}}/src.1 && ln -s /etc {{h}}/src'
            { echo "restore {{h}}/src/shadow" > "$M/pools/{{a}}/vol/r.raw/ctl"; } 2>&1 | sed 's/^.*: //' || true
            cmp "$W/{{a}}.before" "$S/pools/{{a}}/r.raw" && echo "volume unchanged"
            rm -rf {{h}} "$W/{{a}}.before"
            """);

        Assert.Equal("Operation not permitted\nOperation not permitted\nvolume unchanged\n", seen);
        Assert.Contains("outside the allowed directories", _tree.AssertLastError($"pools/{a}/vol/r.raw/ctl", "EPERM"), StringComparison.Ordinal);
    }

    // A link that stays inside the allowed directories is still someone's link: nobody points
    // their directory at a pool's directory, and root's `archive … overwrite` and `restore` through
    // it would overwrite or read a volume of that pool. Both are refused; nothing changes.
    [Fact]
    public void ArchiveAndRestore_ThroughALinkNobodyPointsAtAPoolInsideTheAllowedDirectories_AreRefused()
    {
        Preflight.RequireTool("setpriv", "util-linux");
        string a = _tree.NewRunningPool("tbl");
        string victim = _tree.NewRunningPool("tblv");
        string h = $"$S/l-{a}";
        string seen = _tree.Ok($$"""
            mkdir {{h}} && chown 65534:65534 {{h}}
            head -c 64K /dev/urandom > "$M/pools/{{a}}/volumes/v.raw"
            head -c 64K /dev/urandom > "$M/pools/{{victim}}/volumes/secret.raw"
            cp "$S/pools/{{victim}}/secret.raw" "$W/{{a}}.victim"
            cp "$S/pools/{{a}}/v.raw" "$W/{{a}}.before"
            {{Nobody}} ln -s "$S/pools/{{victim}}" {{h}}/dir
            { echo "archive {{h}}/dir/secret.raw overwrite" > "$M/pools/{{a}}/vol/v.raw/ctl"; } 2>&1 | sed 's/^.*: //' || true
            { echo "restore {{h}}/dir/secret.raw" > "$M/pools/{{a}}/vol/v.raw/ctl"; } 2>&1 | sed 's/^.*: //' || true
            cmp "$W/{{a}}.victim" "$S/pools/{{victim}}/secret.raw" && echo "victim unchanged"
            cmp "$W/{{a}}.before" "$S/pools/{{a}}/v.raw" && echo "volume unchanged"
            rm -rf {{h}} "$W/{{a}}.victim" "$W/{{a}}.before"
            """);

        Assert.Equal("Operation not permitted\nOperation not permitted\nvictim unchanged\nvolume unchanged\n", seen);
        Assert.Contains("symbolic link below the allowed directory", _tree.AssertLastError($"pools/{a}/vol/v.raw/ctl", "EPERM"), StringComparison.Ordinal);
    }
}
