namespace StorageFs.IntegrationTests.Tree;

/// <summary>
/// The fspool scenario end to end: an fspool of type dir defined by echo, items made
/// with mkdir and filled with the usual tools through <c>items/</c>, deleted by <c>rmdir</c> when
/// empty or by <c>delete NAME</c> in <c>item/NAME/ctl</c> (docs/TREE.md "fspools/NAME/").
/// </summary>
public sealed class FsPoolTests(TreeFixture fixture) : IClassFixture<TreeFixture>
{
    private readonly TreeMount _tree = fixture.Mount;

    [Fact]
    public void FsPoolScenario_DefineStartMkdirFillListRmdirAndDelete()
    {
        string f = NewRunningFsPool("fs");
        string F = $"$M/fspools/{f}";
        var info = InfoFile.Parse(_tree.Ok($"cat \"{F}/info\""));
        Assert.Equal((f, "running"), (info["Name"], info["State"]));

        _tree.Ok($"""
            mkdir "{F}/items/a"
            mkdir -p "$W/src/sub"
            echo one > "$W/src/one"
            echo two > "$W/src/sub/two"
            cp -r "$W/src/." "{F}/items/a/"
            """);

        Assert.Equal("a\n", _tree.Ok($"ls \"{F}/items\""));
        Assert.Equal("a\n", _tree.Ok($"ls \"{F}/item\""));
        Assert.Equal("one\nsub\n", _tree.Ok($"ls \"{F}/items/a\""));
        Assert.Equal("two\n", _tree.Ok($"cat \"{F}/items/a/sub/two\""));
        Assert.Equal("two\n", File.ReadAllText(Path.Combine(_tree.StateDir, "pools", f, "a", "sub", "two")));
        Assert.Equal($"{_tree.StateDir}/pools/{f}/a\n", _tree.Ok($"cat \"{F}/item/a/path\""));
        Assert.Equal(("a", "dir"), ParseItem(_tree.Ok($"cat \"{F}/item/a/info\"")));

        _tree.Fails($"rmdir \"{F}/items/a\"", "Directory not empty");
        _tree.AssertLastError($"fspools/{f}/items/a", "ENOTEMPTY", op: "rmdir");
        _tree.Fails($"echo 'delete b' > \"{F}/item/a/ctl\"", "write error: Invalid argument");
        _tree.Ok($"test -f \"{F}/items/a/one\"");

        _tree.Ok($"echo 'delete a' > \"{F}/item/a/ctl\"");

        _tree.Ok($"test ! -e \"{F}/items/a\" && test ! -e \"$S/pools/{f}/a\"");
        Assert.Equal("", _tree.Ok($"ls \"{F}/items\""));

        _tree.Ok($"mkdir \"{F}/items/b\" && rmdir \"{F}/items/b\"");
        _tree.Ok($"test ! -e \"$S/pools/{f}/b\"");
        _tree.Ok($"mkdir -p \"{F}/items/d/deep\" && echo x > \"{F}/items/d/deep/f\" && rm -rf \"{F}/items/d\"");
        _tree.Ok($"test ! -e \"$S/pools/{f}/d\" && test ! -e \"{F}/item/d\"");
        _tree.Fails($"mkdir \"{F}/items/c\" && mkdir \"{F}/items/c\"", "File exists");
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

    private static (string Name, string Type) ParseItem(string text)
    {
        var info = InfoFile.Parse(text);
        return (info["Name"], info["Type"]);
    }
}
