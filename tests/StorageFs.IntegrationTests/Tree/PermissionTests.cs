namespace StorageFs.IntegrationTests.Tree;

/// <summary>
/// Another user on a mount started with <c>--allow-other</c> (the configuration saying
/// <c>allowOther: false</c>, so only the switch lets them in): they may read, only root may
/// change anything (docs/TREE.md "Who may change things").
/// </summary>
public sealed class PermissionTests : IClassFixture<PermissionTests.Mounted>
{
    private const string Nobody = "setpriv --reuid=65534 --regid=65534 --clear-groups";

    private readonly TreeMount _tree;

    public PermissionTests(Mounted fixture) => _tree = fixture.Mount;

    [Fact]
    public void Nobody_CanReadInfoXmlStateAndCapabilities()
    {
        string seen = _tree.Ok($"""
            {Nobody} cat "$M/pools/perm/info" "$M/pools/perm/xml" "$M/pools/perm/state" "$M/pools/perm/vol/v.raw/info"
            {Nobody} cat "$M/capabilities" > /dev/null
            {Nobody} ls "$M/pools/perm/volumes"
            """);

        Assert.Contains("Name:           perm\n", seen, StringComparison.Ordinal);
        Assert.Contains("<name>perm</name>", seen, StringComparison.Ordinal);
        Assert.Contains("running\n", seen, StringComparison.Ordinal);
        Assert.Contains("Name:           v.raw\n", seen, StringComparison.Ordinal);
        Assert.EndsWith("v.raw\n", seen, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("echo stop > \"$M/pools/perm/ctl\"")]
    [InlineData("echo '<pool type=\"dir\"><name>evil</name><target><path>/srv/evil</path></target></pool>' > \"$M/define\"")]
    [InlineData("echo x > \"$M/pools/perm/volumes/new.raw\"")]
    [InlineData("echo more >> \"$M/pools/perm/volumes/v.raw\"")]
    [InlineData("rm \"$M/pools/perm/volumes/v.raw\"")]
    [InlineData("echo yes > \"$M/pools/perm/autostart\"")]
    [InlineData("echo 'wipe zero' > \"$M/pools/perm/vol/v.raw/ctl\"")]
    [InlineData("echo \"<volume><name>doc.raw</name><capacity>1</capacity></volume>\" > \"$M/pools/perm/create\"")]
    [InlineData("mkdir \"$M/fspools/default/items/mine\"")]
    public void Nobody_CannotChangeAnything_PermissionDenied(string change)
    {
        _tree.Fails($"{Nobody} bash -c '{change.Replace("'", "'\\''", StringComparison.Ordinal)}'", "Permission denied");

        Assert.Equal("running\nno\nv.raw\nkept\n", _tree.Ok("""
            cat "$M/pools/perm/state" "$M/pools/perm/autostart"
            ls "$M/pools/perm/volumes"
            cat "$M/pools/perm/volumes/v.raw"
            """));
        _tree.Ok("test ! -e \"$M/pools/evil\" && test ! -e \"$M/fspools/default/items/mine\"");
    }

    /// <summary>The mount for the class: <c>--allow-other</c> on the command line, a pool with one volume.</summary>
    public sealed class Mounted : IDisposable
    {
        public Mounted()
        {
            Mount = TreeMount.Start(allowOtherInConfig: false, "--allow-other");
            Mount.Ok($"""
                echo "{Mount.PoolXml("perm")}" > "$M/define"
                echo build > "$M/pools/perm/ctl"
                echo start > "$M/pools/perm/ctl"
                echo kept > "$M/pools/perm/volumes/v.raw"
                """);
        }

        public TreeMount Mount { get; }

        public void Dispose() => Mount.Dispose();
    }
}
