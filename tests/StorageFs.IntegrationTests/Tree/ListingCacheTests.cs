namespace StorageFs.IntegrationTests.Tree;

/// <summary>
/// A large <c>volumes/</c> listing is kept in the kernel's readdir cache (ARCHITECTURE.md,
/// "Listings the kernel keeps"): a third <c>ls</c> of the same listing costs no READDIR, and
/// every change, made through the tree, through a control file or on the host, shows at the
/// next <c>ls</c>.
/// </summary>
public sealed class ListingCacheTests(TreeFixture fixture) : IClassFixture<TreeFixture>
{
    private readonly TreeMount _tree = fixture.Mount;

    [Fact]
    public void ALargeVolumeListing_ComesFromTheKernelsCache_AndShowsEveryChangeAtOnce()
    {
        string p = _tree.NewRunningPool("lc");
        string V = $"$M/pools/{p}/volumes";
        _tree.Ok($"""cd "$S/pools/{p}" && seq -f 'v%03g.raw' 0 599 | xargs touch && echo refresh > "$M/pools/{p}/ctl" """);
        Assert.Equal("600", _tree.Ok($"ls -U1 \"{V}\" | wc -l").Trim()); // listed once: not cached
        Assert.Equal("600", _tree.Ok($"ls -U1 \"{V}\" | wc -l").Trim()); // again: the kernel fills its cache

        var before = _tree.RequestCounts();
        Assert.Equal("600", _tree.Ok($"ls -U1 \"{V}\" | wc -l").Trim());
        var after = _tree.RequestCounts();
        Assert.True(TreeMount.Delta(before, after, "OPENDIR") >= 1, "the second ls opened the directory");
        Assert.Equal(0, TreeMount.Delta(before, after, "READDIR") + TreeMount.Delta(before, after, "READDIRPLUS"));

        string seen = _tree.Ok($$"""
            V="{{V}}"; C="$M/pools/{{p}}"; H="$S/pools/{{p}}"
            n() { printf '%s ' "$1:$(ls -U1 "$V" | grep -c "^$1$" || true)"; }
            echo "<volume><name>made.raw</name><capacity unit='M'>1</capacity></volume>" > "$C/create"; n made.raw
            echo clone copy.raw > "$C/vol/v001.raw/ctl"; n copy.raw
            cp /etc/hostname "$V/cp.raw"; n cp.raw
            rm "$V/cp.raw"; n cp.raw
            echo delete made.raw > "$C/vol/made.raw/ctl"; n made.raw
            touch "$H/host.raw"; n host.raw
            rm "$H/host.raw"; n host.raw
            ls -U1 "$V" | wc -l
            """);
        Assert.Equal("made.raw:1 copy.raw:1 cp.raw:1 cp.raw:0 made.raw:0 host.raw:1 host.raw:0 601\n", seen);
    }
}
