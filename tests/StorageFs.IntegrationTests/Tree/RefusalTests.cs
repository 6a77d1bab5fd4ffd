namespace StorageFs.IntegrationTests.Tree;

/// <summary>
/// docs/TREE.md "errors": every change the tree refuses (mkdir, rmdir, unlink, rename, create,
/// link, symlink, chmod, truncate, open for writing) fails with its errno and leaves a record
/// whose message starts with the errno's name; looking up a missing name records nothing.
/// </summary>
public sealed class RefusalTests : IClassFixture<TreeFixture>
{
    private readonly TreeMount _tree;
    private readonly string _pool;

    public RefusalTests(TreeFixture fixture)
    {
        _tree = fixture.Mount;
        _pool = "refusals";
        if (!Directory.Exists(Path.Combine(_tree.MountPoint, "pools", _pool)))
        {
            _tree.NewRunningPoolNamed(_pool);
            _tree.Ok($"echo v > \"$M/pools/{_pool}/volumes/v.raw\" && mkdir \"$M/fspools/default/items/{_pool}\"");
        }
    }

    public static TheoryData<string, string, string, string, string> Refusals => new()
    {
        // script, what the tool prints, errors path, op, errno
        { "mkdir \"$M/pools/new\"", "Operation not permitted", "pools/new", "mkdir", "EPERM" },
        { "rmdir \"$M/pools/refusals\"", "Operation not permitted", "pools/refusals", "rmdir", "EPERM" },
        { "touch \"$M/newfile\"", "Operation not permitted", "newfile", "create", "EPERM" },
        { "ln -s x \"$M/pools/refusals/link\"", "Operation not permitted", "pools/refusals/link", "symlink", "EPERM" },
        { "rm -f \"$M/pools/refusals/info\"", "Operation not permitted", "pools/refusals/info", "unlink", "EPERM" },
        { "mv \"$M/pools/refusals/xml\" \"$M/pools/refusals/xml2\"", "Operation not permitted", "pools/refusals/xml", "rename", "EPERM" },
        { "chmod 777 \"$M/pools\"", "Operation not permitted", "pools", "setattr", "EPERM" },
        { "chmod 666 \"$M/pools/refusals/info\"", "Operation not permitted", "pools/refusals/info", "setattr", "EPERM" },
        { "truncate -s 5 \"$M/pools/refusals/autostart\"", "Operation not permitted", "pools/refusals/autostart", "truncate", "EPERM" },
        { "echo x > \"$M/pools/refusals/info\"", "Permission denied", "pools/refusals/info", "open", "EACCES" },
        { "mkdir \"$M/pools/refusals/volumes/d\"", "Operation not permitted", "pools/refusals/volumes/d", "mkdir", "EPERM" },
        { "mv \"$M/pools/refusals/volumes/v.raw\" \"$M/pools/refusals/volumes/w.raw\"", "Operation not permitted", "pools/refusals/volumes/v.raw", "rename", "EPERM" },
        { "chmod 600 \"$M/pools/refusals/volumes/v.raw\"", "Operation not permitted", "pools/refusals/volumes/v.raw", "setattr", "EPERM" },
        { "ln -s v.raw \"$M/pools/refusals/volumes/l.raw\"", "Operation not permitted", "pools/refusals/volumes/l.raw", "symlink", "EPERM" },
        { "ln \"$M/pools/refusals/volumes/v.raw\" \"$M/pools/refusals/volumes/h.raw\"", "Operation not permitted", "pools/refusals/volumes/h.raw", "link", "EPERM" },
        { "mkfifo \"$M/pools/refusals/volumes/f.raw\"", "Operation not permitted", "pools/refusals/volumes/f.raw", "mknod", "EPERM" },
        { "echo \"<volume><name>a/b</name><capacity>1</capacity></volume>\" > \"$M/pools/refusals/create\"", "Invalid argument", "pools/refusals/create", "write", "EINVAL" },
        { "echo \"<volume><name>..</name><capacity>1</capacity></volume>\" > \"$M/pools/refusals/create\"", "Invalid argument", "pools/refusals/create", "write", "EINVAL" },
        { "touch \"$M/fspools/default/items/file\"", "Operation not permitted", "fspools/default/items/file", "create", "EPERM" },
        { "ln -s x \"$M/fspools/default/items/link\"", "Operation not permitted", "fspools/default/items/link", "symlink", "EPERM" },
        { "mv \"$M/fspools/default/items/refusals\" \"$M/fspools/default/items/other\"", "Operation not permitted", "fspools/default/items/refusals", "rename", "EPERM" },
        { "mkdir \"$M/fspools/default/items/$(printf 'x%.0s' $(seq 300))\"", "", "fspools/default/items/xxxxxxxxxx", "mkdir", "" },
        { "rmdir \"$M/fspools/default/item/refusals\"", "Operation not permitted", "fspools/default/item/refusals", "rmdir", "EPERM" },
    };

    // mkdir of an existing name never reaches the daemon: the kernel answers EEXIST from its own
    // dentry cache. Names already taken are refused (and recorded) where the daemon decides:
    // create documents, clone NEWNAME (see TreeRowTests, VolumeTests).
    [Theory]
    [MemberData(nameof(Refusals))]
    public void ARefusedChange_FailsWithItsErrno_AndIsRecordedInErrors(string script, string printed, string path, string op, string errno)
    {
        ShellResult r = _tree.Sh(script);

        Assert.False(r.Succeeded, _tree.Describe(r));
        Assert.Contains(printed, r.Stderr, StringComparison.Ordinal);
        string errors = _tree.Ok("cat \"$M/errors\"");
        string? line = errors.Split('\n').LastOrDefault(l => l.Contains($" op={op} path={path}", StringComparison.Ordinal));
        Assert.True(line is not null, $"no op={op} record for {path} in errors:\n{errors}");
        if (errno.Length > 0)
            Assert.Contains($" errno={errno} msg={errno}: ", line, StringComparison.Ordinal);
        else
            Assert.Matches(@" errno=(E[A-Z]+) msg=\1: ", line);
        Assert.Equal("v\n", _tree.Ok("cat \"$M/pools/refusals/volumes/v.raw\""));
    }

    [Fact]
    public void LookingUpMissingNames_IsNotARefusal_AndLeavesNoRecord()
    {
        _tree.Sh("""
            ls "$M/pools/ghost" "$M/pools/refusals/volumes/ghost" "$M/pools/refusals/vol/ghost" "$M/fspools/default/items/ghost" "$M/fspools/default/items/refusals/ghost"
            cat "$M/ghost" "$M/jobs/999999/info" "$M/by-uuid/ghost"
            test -e "$M/pools/refusals/ghost"
            """);

        Assert.DoesNotContain("ghost", _tree.Ok("cat \"$M/errors\""), StringComparison.Ordinal);
    }
}
