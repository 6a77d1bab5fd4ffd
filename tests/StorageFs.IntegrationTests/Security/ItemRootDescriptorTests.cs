using StorageFs.IntegrationTests.Tree;

namespace StorageFs.IntegrationTests.Security;

/// <summary>
/// Items: the tree serves an item from the directory descriptor the driver
/// opened beneath the pool's directory (every component walked without following a link), not
/// from a path it opens itself. A directory above the item swapped for a symbolic link after
/// the pool started (the pool's parent, say, by whoever can write there) sends nothing
/// elsewhere: the item is refused (EPERM), its decoy never shown.
/// </summary>
public sealed class ItemRootDescriptorTests(TreeFixture fixture) : IClassFixture<TreeFixture>
{
    private readonly TreeMount _tree = fixture.Mount;

    [Fact]
    public void AComponentAboveTheItemSwappedForASymlink_IsNeverFollowed_TheDecoyIsNotServed()
    {
        string f = _tree.NewName("rootfd");
        string parent = $"$S/{f}-parent";
        string F = $"$M/fspools/{f}";
        _tree.Ok($"""
            echo '<fspool type="dir"><name>{f}</name><target><path>'"{parent}/{f}"'</path></target></fspool>' > "$M/define"
            echo build > "{F}/ctl"
            echo start > "{F}/ctl"
            echo "<fsitem><name>x</name></fsitem>" > "{F}/create"
            echo real > "{parent}/{f}/x/real"
            mkdir -p "$W/{f}-decoy/{f}/x"
            echo decoy > "$W/{f}-decoy/{f}/x/secret"
            mv "{parent}" "{parent}.real"
            ln -s "$W/{f}-decoy" "{parent}"
            """);

        var r = _tree.Sh($"ls \"{F}/items/x\"");
        Assert.False(r.Succeeded, _tree.Describe(r));
        Assert.DoesNotContain("secret", r.Stdout, StringComparison.Ordinal);
        Assert.Contains("Operation not permitted", r.Stderr, StringComparison.Ordinal);
        _tree.Fails($"cat \"{F}/items/x/secret\"", "cat:");

        // Put back: the item is served again, from its real directory.
        _tree.Ok($"rm \"{parent}\" && mv \"{parent}.real\" \"{parent}\"");
        Assert.Equal("real\n", _tree.Ok($"ls \"{F}/items/x\""));
    }
}
