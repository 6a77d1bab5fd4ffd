namespace StorageFs.IntegrationTests.Tree;

/// <summary>
/// The kernel's caches over items (README "Items and the kernel's cache"): with
/// <c>itemCacheSeconds</c> 30, every change made through the mount shows at once (the kernel
/// takes it from the reply), names made or removed on the host show at once (no negative entries,
/// every opendir lists the host directory afresh, and the kernel keeps a large listing only
/// while it is the same), and only attributes another program changes on the host wait for the
/// timeout. Symlink targets are cached by the kernel (FUSE_CACHE_SYMLINKS) and still read right
/// after a link is replaced.
/// </summary>
public sealed class ItemCacheTests(LongItemCacheFixture fixture) : IClassFixture<LongItemCacheFixture>
{
    private readonly TreeMount _tree = fixture.Mount;

    [Fact]
    public void WithALongCache_ChangesThroughTheMount_ShowAtOnce()
    {
        string f = _tree.NewRunningItem("own");
        string I = $"$M/fspools/{f}/items/a";

        string seen = _tree.Ok($"""
            cd "{I}"
            echo one > f && stat -c %a f
            chmod 600 f && stat -c %a f
            touch -d @1000000000 f && stat -c %Y f
            truncate -s 10 f && stat -c %s f
            mv f g && test ! -e f && cat g | head -c 3 && echo
            mkdir d && rmdir d && test ! -e d && echo gone
            ln g h && stat -c %h g
            rm h && stat -c %h g
            """);

        Assert.Equal("644\n600\n1000000000\n10\none\ngone\n2\n1\n", seen);
    }

    [Fact]
    public void WithALongCache_ACachedSymlinkReplacedThroughTheMount_ReadsTheNewTarget()
    {
        string f = _tree.NewRunningItem("lnk");
        string I = $"$M/fspools/{f}/items/a";

        string seen = _tree.Ok($"""
            cd "{I}"
            echo first > t1 && echo second > t2
            ln -s t1 l && readlink l && cat l
            readlink l && cat l
            rm l && ln -s t2 l && readlink l && cat l
            ln -sfn t1 l && readlink l && cat l
            """);

        Assert.Equal("t1\nfirst\nt1\nfirst\nt2\nsecond\nt1\nfirst\n", seen);
    }

    [Fact]
    public void WithALongCache_NamesMadeOrRemovedOnTheHost_ShowAtOnce()
    {
        string f = _tree.NewRunningItem("names");
        string I = $"$M/fspools/{f}/items/a";
        string H = $"$S/pools/{f}/a";

        string seen = _tree.Ok($"""
            test ! -e "{I}/new" && echo absent
            mkdir "{H}/new" && test -d "{I}/new" && echo made
            ls "{I}"
            touch "{H}/file" && ls "{I}"
            rm "{H}/file" && ls "{I}"
            """);

        Assert.Equal("absent\nmade\nnew\nfile\nnew\nnew\n", seen);
    }

    [Fact]
    public void AListingGivesNamesOnly_UntilReadersLookFilesUpOneByOne_ThenEveryDirectoryBelowListsAttributes()
    {
        // find reads names and types only; du and ls -l stat what they list. A listing's first
        // reply (ARCHITECTURE.md) makes no node per name until files of the directory are looked
        // up one by one; then it and the directories beside it list with attributes, which the
        // kernel keeps for the 30 s of this fixture: a stat then costs no LOOKUP.
        string f = _tree.NewRunningItem("rdp");
        string I = $"$M/fspools/{f}/items/a";
        _tree.Ok($"""
            cd "$S/pools/{f}/a" && mkdir -p t/d1 t/d2 t/d3/e
            for d in t/d1 t/d2 t/d3/e; do (cd $d && touch f01 f02 f03 f04 f05 f06 f07 f08 f09 f10); done
            """);

        long LookupsFor(string script)
        {
            var before = _tree.RequestCounts();
            _tree.Ok(script);
            return TreeMount.Delta(before, _tree.RequestCounts(), "LOOKUP");
        }

        Assert.Equal("10", _tree.Ok($"find \"{I}/t/d1\" -type f | wc -l").Trim());
        Assert.Equal(1, LookupsFor($"stat \"{I}/t/d1/f01\" > /dev/null")); // listed by name only
        Assert.Equal(9, LookupsFor($"stat \"{I}/t/d1\"/f* > /dev/null")); // f01 is known now; 9 more, and readers here stat
        _tree.Ok($"ls -U \"{I}/t/d2\" \"{I}/t/d3/e\" > /dev/null");
        Assert.Equal(0, LookupsFor($"stat \"{I}/t/d2\"/f* \"{I}/t/d3/e\"/f* > /dev/null"));
    }

    [Fact]
    public void AListingsFirstReply_GivesItsSubdirectoriesAttributes_SoADescentCostsNoLookupPerDirectory()
    {
        // find, du and ls -R open every subdirectory they list: with its attributes in the
        // listing's first reply the kernel has its node, and opening it needs no LOOKUP. The files
        // still go by name only (a stat of one is a LOOKUP), as find never needs theirs.
        string f = _tree.NewRunningItem("rdd");
        string I = $"$M/fspools/{f}/items/a";
        _tree.Ok($"""
            cd "$S/pools/{f}/a" && mkdir u && touch u/g
            for n in 01 02 03 04 05 06 07 08 09 10 11 12; do mkdir u/d$n && touch u/d$n/f; done
            """);

        long LookupsFor(string script)
        {
            var before = _tree.RequestCounts();
            _tree.Ok(script);
            return TreeMount.Delta(before, _tree.RequestCounts(), "LOOKUP");
        }

        _tree.Ok($"test -d \"{I}/u\"");
        Assert.Equal(0, LookupsFor($"ls -U \"{I}/u\" > /dev/null"));
        Assert.Equal(0, LookupsFor($"stat \"{I}/u/d05\" > /dev/null"));
        Assert.Equal(1, LookupsFor($"stat \"{I}/u/g\" > /dev/null"));
        Assert.Equal(0, LookupsFor($"test \"$(find \"{I}/u\" -type f | wc -l)\" = 13"));
    }

    [Fact]
    public void WithALongCache_AHostChmodOfAFileTheKernelKnows_WaitsForTheTimeout()
    {
        // The documented trade-off: attributes another program changes on the host are served
        // from the kernel's cache until itemCacheSeconds have passed (30 s here; the test takes
        // well under that). It fails if the setting does not reach the item nodes.
        string f = _tree.NewRunningItem("stale");
        string I = $"$M/fspools/{f}/items/a";
        string H = $"$S/pools/{f}/a";

        string seen = _tree.Ok($"""
            echo x > "{I}/f" && chmod 644 "{I}/f" && stat -c %a "{I}/f"
            chmod 600 "{H}/f"
            stat -c %a "{H}/f"
            stat -c %a "{I}/f"
            """);

        Assert.Equal("644\n600\n644\n", seen);
    }
}
