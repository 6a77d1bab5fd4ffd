using StorageFs.IntegrationTests.Tree;

namespace StorageFs.IntegrationTests.Security;

/// <summary>
/// issue 11, hole 1: a user who controls a directory inside an item swaps a subdirectory for a
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
        // The race runs for 10 s (bounded, as issue 11 asks): one loop as nobody on the host
        // directory it owns renames "sub" away and puts a symlink to the root-only directory
        // in its place, then puts it back; another, as nobody too, keeps its working directory
        // in "sub" through /storage and reads, writes, chmods, deletes and replaces "secret".
        string seen = _tree.Ok($"""
            echo '<fspool type="dir"><name>{f}</name><target><path>'"$S/pools/{f}"'</path></target></fspool>' > "$M/define"
            echo build > "$M/fspools/{f}/ctl"
            echo start > "$M/fspools/{f}/ctl"
            out="$W/{f}-outside"
            mkdir -m 700 "$out"
            echo {token} > "$out/secret"
            chmod 600 "$out/secret"
            before=$(stat -c '%i %a %U %s %Y' "$out/secret")
            mkdir "{I}"
            mkdir "{I}/u" && chown 65534:65534 "{I}/u"
            host="$S/pools/{f}/a/u"
            chmod o+x "$S" "$S/pools" "$S/pools/{f}" "$S/pools/{f}/a"
            {Nobody} mkdir "{I}/u/sub"
            {Nobody} bash -c 'echo mine > "{I}/u/sub/secret"'
            {Nobody} bash -c 'end=$((SECONDS + 10)); while [ $SECONDS -lt $end ]; do
                mv "$1/sub" "$1/real" && ln -s "$2" "$1/sub"; rm -f "$1/sub"; mv "$1/real" "$1/sub"; done' swap "$host" "$out" &
            swapper=$!
            {Nobody} bash -c 'cd "$1" || exit 1; end=$((SECONDS + 10)); while [ $SECONDS -lt $end ]; do
                cat secret; echo pwned > secret; chmod 666 secret; rm -f secret; echo new > new; mv -f new secret; done' act "{I}/u/sub" > "$W/{f}-read" 2>/dev/null &
            actor=$!
            wait $swapper; wait $actor || true
            after=$(stat -c '%i %a %U %s %Y' "$out/secret")
            echo "before $before"
            echo "after $after"
            echo "content $(cat "$out/secret")"
            echo "entries $(ls -A "$out" | tr '\n' ' ')"
            echo "leaked $(grep -c {token} "$W/{f}-read" || true)"
            echo "iterations $(grep -c . "$W/{f}-read" || true)"
            """, TimeSpan.FromSeconds(60));

        string[] lines = seen.Split('\n');
        string Line(string key) => lines.Single(l => l.StartsWith(key + " ", StringComparison.Ordinal))[(key.Length + 1)..];
        Assert.Equal(Line("before"), Line("after")); // same inode, mode 600, owner root, size, mtime
        Assert.Equal(token, Line("content"));
        Assert.Equal("secret ", Line("entries"));
        Assert.Equal("0", Line("leaked"));
        Assert.NotEqual("0", Line("iterations")); // the actor did get through sometimes
    }
}
