namespace StorageFs.IntegrationTests.Tree;

/// <summary>Several processes writing to <c>define</c> at once ("concurrent defines from 8 processes").</summary>
public sealed class ConcurrencyTests(TreeFixture fixture) : IClassFixture<TreeFixture>
{
    private const int Writers = 8;

    private readonly TreeMount _tree = fixture.Mount;

    [Fact]
    public void EightProcessesDefiningDifferentPoolsAtOnce_AllSucceed_AndAllAreStored()
    {
        string prefix = _tree.NewName("par") + "x";

        string rcs = _tree.Ok($$"""
            for i in $(seq {{Writers}}); do
              bash -c 'echo "<pool type=\"dir\"><name>$1</name><target><path>$S/pools/$1</path></target></pool>" > "$M/define"; echo "$1 rc=$?"' _ "{{prefix}}$i" &
            done
            wait
            """);

        for (int i = 1; i <= Writers; i++)
            Assert.Contains($"{prefix}{i} rc=0\n", rcs, StringComparison.Ordinal);
        string[] listed = _tree.Ok($"ls \"$M/pools\" | grep '^{prefix}'").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        string[] stored = _tree.Ok($"ls \"$S/config/pools\" | grep '^{prefix}'").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(Writers, listed.Length);
        Assert.Equal(Writers, stored.Length);
        string uuids = _tree.Ok($"cat \"$M\"/pools/{prefix}*/info | grep '^UUID:' | sort -u | wc -l");
        Assert.Equal($"{Writers}\n", uuids);
    }

    /// <summary>The duplicate-source check must hold under a race: one directory, one pool.</summary>
    [Fact]
    public void EightProcessesDefiningPoolsOnOneDirectoryAtOnce_OneSucceeds_TheOthersGetEEXIST()
    {
        string prefix = _tree.NewName("race") + "x";

        string rcs = _tree.Ok($$"""
            for i in $(seq {{Writers}}); do
              bash -c 'echo "<pool type=\"dir\"><name>$1</name><target><path>$S/pools/{{prefix}}shared</path></target></pool>" > "$M/define" 2>/dev/null; echo "rc=$?"' _ "{{prefix}}$i" &
            done
            wait
            """);

        Assert.Equal(1, rcs.Split('\n').Count(l => l == "rc=0"));
        Assert.Equal(Writers - 1, rcs.Split('\n').Count(l => l == "rc=1"));
        Assert.Equal("1\n", _tree.Ok($"ls \"$S/config/pools\" | grep -c '^{prefix}'"));
        Assert.Equal(Writers - 1, _tree.Ok("cat \"$M/errors\"").Split('\n')
            .Count(l => l.Contains(" path=define errno=EEXIST ", StringComparison.Ordinal) && l.Contains(prefix, StringComparison.Ordinal)));
    }
}
