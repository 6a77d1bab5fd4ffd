namespace StorageFs.IntegrationTests.Tree;

/// <summary>
/// An item is a real directory (docs/TREE.md "items/ITEM/…"): rsync -a, cp -a and tar keep
/// modes, owners, times, symlinks, hard links, fifos and extended attributes; renames, links and
/// attribute changes act on the host; refusals carry the host's errno and are in errors.
/// </summary>
public sealed class ItemContentTests(TreeFixture fixture) : IClassFixture<TreeFixture>
{
    /// <summary>
    /// Everything rsync -aHX should keep, one line per entry, sorted: type, mode, owner, size,
    /// mtime (to the nanosecond; not for symlinks, whose times rsync leaves alone), link target,
    /// path; then the hard-link groups; then the xattrs.
    /// </summary>
    private const string Describe = """
        describe() (
          cd "$1"
          find . -mindepth 1 -printf '%y %m %U:%G %s %T@ %l %p\n' | sed -e 's/^d \(.*\) [0-9]* \([0-9.]*\) /d \1 - \2 /' -e 's/^l \([^ ]* [^ ]* [^ ]*\) [0-9.]* /l \1 - /' | sort
          find . -type f -links +1 -printf '%i %p\n' | sort -k2 | awk '{g[$1]=g[$1] " " $2} END {for (k in g) print "links" g[k]}' | sort
          getfattr -R -h -d -m - --absolute-names . 2>/dev/null | grep -v '^#' | grep . | sort || true
        )
        """;

    private readonly TreeMount _tree = fixture.Mount;

    [Fact]
    public void RsyncA_IntoAnItemAndBack_KeepsModesOwnersTimesSymlinksHardLinksFifosAndXattrs()
    {
        string f = NewRunningFsPool("rs");
        string I = $"$M/fspools/{f}/items/r";
        string seen = _tree.Ok($"""
            {Describe}
            src="$W/{f}-src"
            mkdir -p "$src/d/e" "$src/empty"
            echo data > "$src/d/f"
            head -c 3000000 /dev/urandom > "$src/big"
            ln "$src/d/f" "$src/d/hard"
            ln -s f "$src/d/link"
            ln -s ../missing "$src/dangling"
            mkfifo "$src/fifo"
            setfattr -n user.colour -v blue "$src/d/f"
            chown 1234:5678 "$src/d/f" "$src/big"
            chown -h 4321:8765 "$src/d/link"
            chmod 640 "$src/d/f"; chmod 604 "$src/fifo"; chmod 2775 "$src/d/e"; chmod 1777 "$src/empty"; chmod 604 "$src/big"
            touch -h -d '2001-02-03 04:05:06.123456789' "$src/d/link"
            touch -d '2002-03-04 05:06:07.5' "$src/big" "$src/d/f" "$src/fifo" "$src/d/e" "$src/empty" "$src/d"
            mkdir "$M/fspools/{f}/items/r"
            rsync -aHX "$src/" "{I}/"
            rsync -aHX "{I}/" "$W/{f}-back/"
            describe "$src" > "$W/{f}.src"
            describe "{I}" > "$W/{f}.item"
            describe "$S/pools/{f}/r" > "$W/{f}.host"
            describe "$W/{f}-back" > "$W/{f}.back"
            diff "$W/{f}.src" "$W/{f}.item" >&2
            diff "$W/{f}.src" "$W/{f}.host" >&2
            diff "$W/{f}.src" "$W/{f}.back" >&2
            cmp "$src/big" "{I}/big"
            echo "again: $(rsync -aHXi "$src/" "{I}/" | wc -l)"
            cat "$W/{f}.item"
            """, TimeSpan.FromSeconds(120));

        Assert.Contains("again: 0\n", seen, StringComparison.Ordinal);
        Assert.Contains("f 640 1234:5678 5 1015218367.5000000000  ./d/f\n", seen, StringComparison.Ordinal);
        Assert.Contains("l 777 4321:8765 1 - f ./d/link\n", seen, StringComparison.Ordinal);
        Assert.Contains("p 604 0:0 0 1015218367.5000000000  ./fifo\n", seen, StringComparison.Ordinal);
        Assert.Contains("d 2775 0:0 - 1015218367.5000000000  ./d/e\n", seen, StringComparison.Ordinal);
        Assert.Contains("d 1777 0:0 - 1015218367.5000000000  ./empty\n", seen, StringComparison.Ordinal);
        Assert.Contains("links ./d/f ./d/hard\n", seen, StringComparison.Ordinal);
        Assert.Contains("user.colour=\"blue\"", seen, StringComparison.Ordinal);
    }

    /// <summary>"tar, cp -a, rsync and rm -rf work on it directly" — with symlinks, modes and times.</summary>
    [Fact]
    public void TarAndCpA_IntoAnItem_KeepSymlinksModesAndTimes()
    {
        string f = NewRunningFsPool("tar");
        string F = $"$M/fspools/{f}";
        _tree.Ok($"""
            mkdir -p "$W/{f}/sub"
            echo data > "$W/{f}/sub/file"
            chmod 640 "$W/{f}/sub/file"
            chmod 750 "$W/{f}/sub"
            ln -s file "$W/{f}/sub/link"
            ln "$W/{f}/sub/file" "$W/{f}/sub/hard"
            touch -d 2001-02-03T04:05:06 "$W/{f}/sub/file" "$W/{f}/sub"
            mkdir "{F}/items/bytar" "{F}/items/bycp"
            """);

        ShellResult tar = _tree.Sh($"tar -C \"$W/{f}\" -cf - . | tar -C \"{F}/items/bytar\" -xf -");
        ShellResult cp = _tree.Sh($"cp -a \"$W/{f}/.\" \"{F}/items/bycp/\"");

        Assert.True(tar.Succeeded, _tree.Describe(tar));
        Assert.True(cp.Succeeded, _tree.Describe(cp));
        foreach (string item in new[] { "bytar", "bycp" })
        {
            Assert.Equal("file\n640 750 2001-02-03 2 same\ndata\n", _tree.Ok($"""
                cd "{F}/items/{item}/sub"
                readlink link
                echo "$(stat -c %a file) $(stat -c %a .) $(date -r file +%F) $(stat -c %h file) $([ "$(stat -c %i file)" = "$(stat -c %i hard)" ] && echo same)"
                cat link
                """));
        }
        _tree.Ok($"rm -rf \"{F}/items/bycp\" && test ! -e \"$S/pools/{f}/bycp\"");
    }

    [Fact]
    public void RenamingADirectoryInAnItem_KeepsEverythingBelowItReachable()
    {
        string f = NewRunningFsPool("mv");
        string I = $"$M/fspools/{f}/items/a";
        Assert.Equal("deep\nnew\n", _tree.Ok($"""
            mkdir -p "{I}/old/sub"
            echo deep > "{I}/old/sub/f"
            cat "{I}/old/sub/f" > /dev/null
            cd "{I}/old"
            mv "{I}/old" "{I}/new"
            cat sub/f
            echo new > sub/g
            cd /
            cat "$S/pools/{f}/a/new/sub/g"
            test ! -e "$S/pools/{f}/a/old"
            """));
    }

    [Fact]
    public void HardLinkAndSymlink_MadeThroughTheMount_AreRealOnTheHost()
    {
        string f = NewRunningFsPool("ln");
        string I = $"$M/fspools/{f}/items/a";
        Assert.Equal("2 2 same\nx\n../a/t\n981173106.1234567890 4321\n", _tree.Ok($"""
            mkdir "{I}"
            echo x > "{I}/t"
            ln "{I}/t" "{I}/u"
            ln -s ../a/t "{I}/s"
            echo "$(stat -c %h "{I}/t") $(stat -c %h "$S/pools/{f}/a/u") $([ "$(stat -c %i "{I}/t")" = "$(stat -c %i "{I}/u")" ] && echo same)"
            cat "$S/pools/{f}/a/s"
            readlink "$S/pools/{f}/a/s"
            touch -h -d '2001-02-03 04:05:06.123456789' "{I}/s"
            chown -h 4321 "{I}/s"
            find "$S/pools/{f}/a/s" -printf '%T@ %U\n'
            """));
    }

    [Fact]
    public void FilesMadeByAnotherUser_AreTheirs_AndTheKernelEnforcesTheHostModes()
    {
        string f = NewRunningFsPool("own");
        string I = $"$M/fspools/{f}/items/a";
        const string Nobody = "setpriv --reuid=65534 --regid=65534 --clear-groups";
        Assert.Equal("65534:65534 600\n", _tree.Ok($"""
            mkdir "{I}" && chmod 755 "{I}" && mkdir "{I}/pub" && chmod 777 "{I}/pub"
            {Nobody} bash -c 'umask 077; echo mine > "{I}/pub/f"'
            stat -c '%u:%g %a' "$S/pools/{f}/a/pub/f"
            """));
        _tree.Fails($"{Nobody} bash -c 'echo x > \"{I}/root-only\"'", "Permission denied");
        _tree.Ok($"test ! -e \"$S/pools/{f}/a/root-only\"");
    }

    [Fact]
    public void ChangesTheHostRefusesInAnItem_FailWithTheHostErrno_AndAreInErrors()
    {
        string f = NewRunningFsPool("ref");
        string I = $"$M/fspools/{f}/items/a";
        _tree.Ok($"mkdir \"{I}\" && mkdir -p \"{I}/full/x\" \"{I}/other/y\"");

        _tree.Fails($"rmdir \"{I}/full\"", "Directory not empty");
        _tree.AssertLastError($"fspools/{f}/items/a/full", "ENOTEMPTY", op: "rmdir");
        _tree.Fails($"mkdir \"{I}/full\"", "File exists"); // the kernel's answer: it knows the name
        _tree.Fails($"python3 -c 'import os, sys; os.rename(sys.argv[1], sys.argv[2])' \"{I}/full\" \"{I}/other\"", "Directory not empty");
        _tree.AssertLastError($"fspools/{f}/items/a/full", "ENOTEMPTY", op: "rename");
        _tree.Ok($"test -d \"$S/pools/{f}/a/full/x\" && test -d \"$S/pools/{f}/a/other/y\"");

        // A name that does not exist is normal, not a refusal: nothing is recorded for it.
        _tree.Sh($"ls \"{I}/missing-{f}\"; cat \"{I}/missing-{f}\"");
        Assert.DoesNotContain($"missing-{f}", _tree.Ok("cat \"$M/errors\""), StringComparison.Ordinal);
    }

    private string NewRunningFsPool(string prefix)
    {
        string f = _tree.NewName(prefix);
        _tree.Ok($"""
            echo '<fspool type="dir"><name>{f}</name><target><path>'"$S/pools/{f}"'</path></target></fspool>' > "$M/define"
            echo build > "$M/fspools/{f}/ctl"
            echo start > "$M/fspools/{f}/ctl"
            """);
        return f;
    }
}
