namespace StorageFs.IntegrationTests.Tree;

/// <summary>
/// Items as the host has them: a directory made or removed in the
/// fspool's directory on the host shows in <c>items/</c> and <c>item/</c> at once, without a
/// <c>refresh</c>; <c>mkdir</c> in <c>items/</c> gives the mode asked for, as a real directory
/// would; an item's capacity outlives a restart and <c>item/NAME/info</c> says whether it is
/// enforced (docs/TREE.md "fspools/NAME/").
/// </summary>
public sealed class ItemHostTests(TreeFixture fixture) : IClassFixture<TreeFixture>
{
    private readonly TreeMount _tree = fixture.Mount;

    [Fact]
    public void ItemMadeOnTheHost_IsListedAndHasInfoAtOnce_AndOneRemovedThereLeavesNoGhost()
    {
        string f = NewRunningFsPool(_tree, "host");
        string F = $"$M/fspools/{f}";
        string H = $"$S/pools/{f}";

        _tree.Ok($"mkdir \"{H}/x\" && echo data > \"{H}/x/file\"");
        Assert.Equal("x\n", _tree.Ok($"ls \"{F}/items\""));
        Assert.Equal("x", InfoFile.Parse(_tree.Ok($"cat \"{F}/item/x/info\""))["Name"]);
        Assert.Equal("data\n", _tree.Ok($"cat \"{F}/items/x/file\""));

        // Looked up by name before any listing: found on the host too.
        _tree.Ok($"mkdir \"{H}/y\"");
        Assert.Equal("y", InfoFile.Parse(_tree.Ok($"cat \"{F}/item/y/info\""))["Name"]);
        _tree.Ok($"test -d \"{F}/items/y\"");
        Assert.Equal("x\ny\n", _tree.Ok($"ls \"{F}/item\""));

        _tree.Ok($"rm -rf \"{H}/x\"");
        Assert.Equal("y\n", _tree.Ok($"ls \"{F}/items\""));
        _tree.Fails($"cat \"{F}/item/x/info\"", "No such file or directory");
        // The kernel was told (no 1 s entry cache to wait out).
        _tree.Ok($"for i in $(seq 20); do test -e \"{F}/items/x\" || exit 0; sleep 0.1; done; exit 1");

        // Removed on the host and looked up by name, without a listing in between.
        _tree.Ok($"rmdir \"{H}/y\"");
        _tree.Fails($"cat \"{F}/item/y/info\"", "No such file or directory");
        Assert.Equal("", _tree.Ok($"ls \"{F}/items\""));

        // Made again on the host under a known name: the new directory is served, not the old one.
        _tree.Ok($"mkdir \"{H}/z\" && echo one > \"{H}/z/one\" && cat \"{F}/items/z/one\" >/dev/null");
        _tree.Ok($"rm -rf \"{H}/z\" && mkdir \"{H}/z\" && echo two > \"{H}/z/two\"");
        Assert.Equal("two\n", _tree.Ok($"sleep 1.1; ls \"{F}/items/z\""));
    }

    [Fact]
    public void Mkdir_InItems_GivesTheModeAskedFor_WithTheCallersUmask()
    {
        string f = NewRunningFsPool(_tree, "mode");
        string F = $"$M/fspools/{f}";
        string H = $"$S/pools/{f}";

        _tree.Ok($"umask 077; mkdir -m 755 \"{F}/items/a\"");
        _tree.Ok($"umask 027; mkdir \"{F}/items/b\"");
        _tree.Ok($"umask 022; python3 -c 'import os, sys; os.mkdir(sys.argv[1], 0o755)' \"{F}/items/c\"");
        _tree.Ok($"umask 000; mkdir -m 1777 \"{F}/items/d\"");

        Assert.Equal("755 755 750 750 755 755 1777 1777\n", _tree.Ok($"""
            echo $(stat -c %a "{F}/items/a" "{H}/a" "{F}/items/b" "{H}/b" "{F}/items/c" "{H}/c" "{F}/items/d" "{H}/d")
            """));
    }

    internal static string NewRunningFsPool(TreeMount tree, string prefix, string? target = null)
    {
        string f = tree.NewName(prefix);
        tree.Ok($"""
            echo '<fspool type="dir"><name>{f}</name><target><path>'"{target ?? "$S/pools/" + f}"'</path></target></fspool>' > "$M/define"
            echo build > "$M/fspools/{f}/ctl"
            echo start > "$M/fspools/{f}/ctl"
            """);
        return f;
    }
}
