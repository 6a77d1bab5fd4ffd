using StorageFs.IntegrationTests.Tree;

namespace StorageFs.IntegrationTests.Security;

/// <summary>
/// A user who controls a directory inside an item swaps a subdirectory for a
/// symlink to a root-only directory outside the pool while acting through /storage on a
/// working directory the kernel still holds. The daemon acts through each node's own
/// descriptor and as the caller, so it never follows the link.
/// </summary>
public sealed class ItemSymlinkSwapTests(TreeFixture fixture) : IClassFixture<TreeFixture>
{
    private const string Nobody = "setpriv --reuid=65534 --regid=65534 --clear-groups";

    private readonly TreeMount _tree = fixture.Mount;

    [Fact]
    public void SwappingADirectoryForASymlinkWhileActingThroughStorage_NeverReachesTheRootFileOutside()
    {
        string f = _tree.NewName("swap");
        string I = $"$M/fspools/{f}/items/a";
        string token = Guid.NewGuid().ToString("N");
        // The race runs for 10 s (bounded), both loops in python as nobody so
        // each takes microseconds, not a fork: one, on the host directory nobody owns, renames
        // "sub" away and puts a symlink to the root-only directory in its place, then puts it
        // back; the other, through /storage and the dentry the kernel holds for "sub", reads,
        // writes, chmods, deletes and replaces "secret". (On the daemon that rebuilt host paths
        // this deleted or emptied the root file within the first second.)
        string seen = _tree.Ok($$"""
            echo '<fspool type="dir"><name>{{f}}</name><target><path>'"$S/pools/{{f}}"'</path></target></fspool>' > "$M/define"
            echo build > "$M/fspools/{{f}}/ctl"
            echo start > "$M/fspools/{{f}}/ctl"
            out="$W/{{f}}-outside"
            mkdir -m 700 "$out"
            echo {{token}} > "$out/secret"
            chmod 600 "$out/secret"
            before=$(stat -c '%i %a %U %s %Y' "$out/secret")
            mkdir "{{I}}"
            mkdir "{{I}}/u" && chown 65534:65534 "{{I}}/u"
            host="$S/pools/{{f}}/a/u"
            chmod o+x "$S" "$S/pools" "$S/pools/{{f}}" "$S/pools/{{f}}/a"
            {{Nobody}} mkdir "{{I}}/u/sub"
            {{Nobody}} /usr/bin/python3 -c '
            import os, sys, time
            host, out = sys.argv[1:3]
            end = time.monotonic() + 10
            while time.monotonic() < end:
                try:
                    os.rename(host + "/sub", host + "/real"); os.symlink(out, host + "/sub")
                    os.unlink(host + "/sub"); os.rename(host + "/real", host + "/sub")
                except OSError:
                    pass
            ' "$host" "$out" &
            swapper=$!
            {{Nobody}} /usr/bin/python3 -c '
            import os, sys, time
            d = sys.argv[1]; s = d + "/secret"; new = d + "/new"; n = 0
            def attempt(f, *a):
                try:
                    return f(*a)
                except OSError:
                    return None
            def read():
                with open(s) as h: return h.read()
            def write(p, t):
                with open(p, "w") as h: h.write(t)
            end = time.monotonic() + 10
            while time.monotonic() < end:
                r = attempt(read)
                if r is not None:
                    print("read", r.strip()); n += 1
                attempt(write, s, "pwned\n"); attempt(os.chmod, s, 0o666); attempt(os.unlink, s)
                attempt(write, new, "new\n"); attempt(os.rename, new, s)
            print("iterations", n)
            ' "{{I}}/u/sub" > "$W/{{f}}-read" &
            actor=$!
            wait $swapper
            wait $actor
            after=$(stat -c '%i %a %U %s %Y' "$out/secret" 2>&1 || true)
            echo "before $before"
            echo "after $after"
            echo "content $(cat "$out/secret" 2>&1 || true)"
            echo "entries $(ls -A "$out" | tr '\n' ' ')"
            echo "leaked $(grep -c {{token}} "$W/{{f}}-read" || true)"
            grep '^iterations ' "$W/{{f}}-read"
            """, TimeSpan.FromSeconds(60));

        string[] lines = seen.Split('\n');
        string Line(string key) => lines.Single(l => l.StartsWith(key + " ", StringComparison.Ordinal))[(key.Length + 1)..];
        Assert.Equal(Line("before"), Line("after")); // same inode, mode 600, owner root, size, mtime
        Assert.Equal(token, Line("content"));
        Assert.Equal("secret ", Line("entries"));
        Assert.Equal("0", Line("leaked"));
        Assert.NotEqual("0", Line("iterations")); // the actor did read its own file: the loop ran
    }
}
