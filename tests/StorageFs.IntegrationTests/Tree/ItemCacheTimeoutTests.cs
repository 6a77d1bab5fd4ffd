namespace StorageFs.IntegrationTests.Tree;

/// <summary>
/// The default <c>itemCacheSeconds</c> (1 s) and the tree's own symlinks under symlink caching
/// (README "Items and the kernel's cache"): a host change to a cached item file shows once the second has passed;
/// a by-uuid link whose pool changes name reads the new name although the kernel caches targets.
/// </summary>
public sealed class ItemCacheTimeoutTests(TreeFixture fixture) : IClassFixture<TreeFixture>
{
    private readonly TreeMount _tree = fixture.Mount;

    [Fact]
    public void AHostChmodOfAFileTheKernelKnows_ShowsAfterTheDefaultSecond()
    {
        string f = _tree.NewRunningItem("tmo");
        string I = $"$M/fspools/{f}/items/a";
        string H = $"$S/pools/{f}/a";

        _tree.Ok($"""echo x > "{I}/f" && chmod 644 "{I}/f" && stat -c %a "{I}/f" >/dev/null && chmod 600 "{H}/f" """);

        // Polled for up to 10 s (the cache holds it for 1 s): no timing is asserted beyond "eventually".
        _tree.Ok($"""for i in $(seq 100); do [ "$(stat -c %a "{I}/f")" = 600 ] && exit 0; sleep 0.1; done; exit 1""");
    }

    [Fact]
    public void AHostSymlinkReplacedOnTheHost_ReadsTheNewTargetAfterTheDefaultSecond()
    {
        string f = _tree.NewRunningItem("hln");
        string I = $"$M/fspools/{f}/items/a";
        string H = $"$S/pools/{f}/a";

        Assert.Equal("old\n", _tree.Ok($"""ln -s old "{H}/l" && readlink "{I}/l" """));
        _tree.Ok($"""ln -sfn new "{H}/l" """);

        _tree.Ok($"""for i in $(seq 100); do [ "$(readlink "{I}/l")" = new ] && exit 0; sleep 0.1; done; exit 1""");
    }

    [Fact]
    public void ByUuid_ReadsTheNewPoolName_WhenTheUuidMovesToAnotherPool()
    {
        string a = _tree.NewName("ua"), b = "ub" + a[2..];
        string uuid = Guid.NewGuid().ToString("D");
        string Doc(string n) => $"<pool type='dir'><name>{n}</name><uuid>{uuid}</uuid><target><path>$S/pools/{n}</path></target></pool>";

        string seen = _tree.Ok($"""
            echo "{Doc(a)}" > "$M/define"
            readlink "$M/by-uuid/{uuid}"
            readlink "$M/by-uuid/{uuid}"
            echo "undefine {a}" > "$M/pools/{a}/ctl"
            echo "{Doc(b)}" > "$M/define"
            readlink "$M/by-uuid/{uuid}"
            """);

        // The two names have the same length on purpose: only the mtime tells the kernel the target moved.
        Assert.Equal($"../pools/{a}\n../pools/{a}\n../pools/{b}\n", seen);
    }
}
