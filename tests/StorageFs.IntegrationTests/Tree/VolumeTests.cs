namespace StorageFs.IntegrationTests.Tree;

/// <summary>
/// <c>pools/P/volumes/V</c> (the bytes) and <c>pools/P/vol/V/</c> (the control panel) of a dir
/// pool, with coreutils and qemu-img: creating, uploading, downloading, resizing, wiping,
/// cloning and deleting, and the guards that keep a stray <c>&gt;</c> or truncate from losing
/// data (docs/TREE.md "pools/NAME/").
/// </summary>
public sealed class VolumeTests : IClassFixture<TreeFixture>
{
    private readonly TreeMount _tree;
    private readonly string _pool;

    public VolumeTests(TreeFixture fixture)
    {
        _tree = fixture.Mount;
        _pool = "vols";
        if (!Directory.Exists(Path.Combine(_tree.MountPoint, "pools", _pool)))
        {
            _tree.Ok($"""
                echo "{_tree.PoolXml(_pool)}" > "$M/define"
                echo build > "$M/pools/{_pool}/ctl"
                echo start > "$M/pools/{_pool}/ctl"
                """);
        }
    }

    private string P => $"$M/pools/{_pool}";

    [Fact]
    public void EchoIntoVolumes_CreatesARawVolume_ListedWithItsInfo()
    {
        _tree.Ok($"echo hello > \"{P}/volumes/hello.img\"");

        Assert.Contains("hello.img\n", _tree.Ok($"ls \"{P}/volumes\""), StringComparison.Ordinal);
        Assert.Contains("hello.img\n", _tree.Ok($"ls \"{P}/vol\""), StringComparison.Ordinal);
        Assert.Equal("hello\n", _tree.Ok($"cat \"{P}/volumes/hello.img\""));
        var info = InfoFile.Parse(_tree.Ok($"cat \"{P}/vol/hello.img/info\""));
        Assert.Equal(["Name", "Type", "Capacity", "Allocation"], info.Keys.Take(4));
        Assert.Equal(("hello.img", "file", 6UL), (info["Name"], info["Type"], info.Number("Capacity")));
        Assert.Equal($"{_tree.StateDir}/pools/{_pool}/hello.img\n", _tree.Ok($"cat \"{P}/vol/hello.img/path\""));
        Assert.Equal("hello\n", File.ReadAllText(Path.Combine(_tree.StateDir, "pools", _pool, "hello.img")));
        Assert.Equal("../../volumes/hello.img\n", _tree.Ok($"readlink \"{P}/vol/hello.img/data\""));
    }

    [Fact]
    public void CpOfA200MiBFile_Uploads_AndCatDownloadsTheSameBytes()
    {
        string sums = _tree.Ok($"""
            head -c 200M /dev/urandom > "$W/upload.bin"
            cp "$W/upload.bin" "{P}/volumes/upload.raw"
            sha256sum < "$W/upload.bin"
            cat "{P}/volumes/upload.raw" | sha256sum
            stat -c %s "{P}/volumes/upload.raw"
            rm "$W/upload.bin"
            """, TimeSpan.FromSeconds(120));

        string[] lines = sums.Split('\n');
        Assert.Equal(lines[0], lines[1]);
        Assert.Equal((200 << 20).ToString(CultureInfo.InvariantCulture), lines[2]);
        Assert.Equal(200UL << 20, InfoFile.Parse(_tree.Ok($"cat \"{P}/vol/upload.raw/info\"")).Number("Capacity"));
        _tree.Ok($"rm \"{P}/volumes/upload.raw\"");
    }

    [Fact]
    public void AVolumeDocumentWrittenToCreate_MakesAQcow2Volume_ThatQemuImgAgreesWith()
    {
        Preflight.RequireTool("qemu-img", "qemu-utils");
        _tree.Ok($"""echo "<volume><name>q.qcow2</name><capacity unit='G'>1</capacity><target><format type='qcow2'/></target></volume>" > "{P}/create" """);

        Assert.Equal(1UL << 30, InfoFile.Parse(_tree.Ok($"cat \"{P}/vol/q.qcow2/info\"")).Number("Capacity"));
        string byPath = _tree.Ok($"qemu-img info --output=json \"$(cat \"{P}/vol/q.qcow2/path\")\"");
        string byMount = _tree.Ok($"qemu-img info --output=json \"{P}/volumes/q.qcow2\"");
        foreach (string json in new[] { byPath, byMount })
        {
            Assert.Contains("\"format\": \"qcow2\"", json, StringComparison.Ordinal);
            Assert.Contains("\"virtual-size\": 1073741824", json, StringComparison.Ordinal);
        }
        Assert.Contains("<format type='qcow2'/>", _tree.Ok($"cat \"{P}/vol/q.qcow2/xml\""), StringComparison.Ordinal);

        // The file is not the capacity of a qcow2 volume: truncate must not pretend to resize it.
        _tree.Fails($"truncate -s 2G \"{P}/volumes/q.qcow2\"", "Operation not permitted");
        _tree.Fails($"""echo "<volume><name>q.qcow2</name><capacity>1</capacity></volume>" > "{P}/create" """, "write error: File exists");
        _tree.AssertLastError($"pools/{_pool}/create", "EEXIST");
    }

    [Fact]
    public void TruncateGrow_ResizesARawVolume()
    {
        _tree.Ok($"echo start > \"{P}/volumes/grow.raw\"");

        _tree.Ok($"truncate -s 64M \"{P}/volumes/grow.raw\"");

        Assert.Equal("67108864\n", _tree.Ok($"stat -c %s \"{P}/volumes/grow.raw\""));
        Assert.Equal(64UL << 20, InfoFile.Parse(_tree.Ok($"cat \"{P}/vol/grow.raw/info\"")).Number("Capacity"));
        Assert.Equal("start\n", _tree.Ok($"head -c 6 \"{P}/volumes/grow.raw\""));
    }

    [Fact]
    public void TruncateShrink_FailsWithEPERM_AndKeepsTheData()
    {
        _tree.Ok($"head -c 1M /dev/urandom > \"$W/shrink\" && cp \"$W/shrink\" \"{P}/volumes/shrink.raw\"");

        _tree.Fails($"truncate -s 10 \"{P}/volumes/shrink.raw\"", "Operation not permitted");

        _tree.AssertLastError($"pools/{_pool}/volumes/shrink.raw", "EPERM", op: "truncate");
        _tree.Ok($"cmp \"$W/shrink\" \"{P}/volumes/shrink.raw\"");
    }

    [Fact]
    public void RedirectOverANonEmptyVolume_FailsWithOperationNotPermitted_AndKeepsTheData()
    {
        _tree.Ok($"echo precious > \"{P}/volumes/keep.raw\"");

        _tree.Fails($"echo oops > \"{P}/volumes/keep.raw\"", "Operation not permitted");
        _tree.Fails($"cp /etc/hostname \"{P}/volumes/keep.raw\"", "Operation not permitted");

        _tree.AssertLastError($"pools/{_pool}/volumes/keep.raw", "EPERM", op: "open");
        Assert.Equal("precious\n", _tree.Ok($"cat \"{P}/volumes/keep.raw\""));
    }

    [Fact]
    public void ResizeThroughCtl_Grows_AndShrinksOnlyWithTheShrinkFlag()
    {
        _tree.Ok($"echo x > \"{P}/volumes/rs.raw\"");
        string ctl = $"pools/{_pool}/vol/rs.raw/ctl";

        _tree.Ok($"echo 'resize 2M' > \"$M/{ctl}\"");
        Assert.Equal("2097152\n", _tree.Ok($"stat -c %s \"{P}/volumes/rs.raw\""));

        _tree.Fails($"echo 'resize 1M' > \"$M/{ctl}\"", "write error: Operation not permitted");
        _tree.AssertLastError(ctl, "EPERM");
        Assert.Equal("2097152\n", _tree.Ok($"stat -c %s \"{P}/volumes/rs.raw\""));

        _tree.Ok($"echo 'resize 1M shrink' > \"$M/{ctl}\"");
        Assert.Equal("1048576\n", _tree.Ok($"stat -c %s \"{P}/volumes/rs.raw\""));
        Assert.Equal(1UL << 20, InfoFile.Parse(_tree.Ok($"cat \"{P}/vol/rs.raw/info\"")).Number("Capacity"));

        _tree.Fails($"echo 'resize lots' > \"$M/{ctl}\"", "write error: Invalid argument");
    }

    [Fact]
    public void WipeZero_LeavesTheVolumeReadingAsZeros()
    {
        _tree.Ok($"head -c 3M /dev/urandom > \"{P}/volumes/wipe.raw\"");

        _tree.Ok($"echo 'wipe zero' > \"{P}/vol/wipe.raw/ctl\"");

        _tree.Ok($"""
            test "$(stat -c %s "{P}/volumes/wipe.raw")" = 3145728
            cmp -n 3145728 "{P}/volumes/wipe.raw" /dev/zero
            """);
        _tree.Fails($"echo 'wipe sideways' > \"{P}/vol/wipe.raw/ctl\"", "write error: Invalid argument");
    }

    [Fact]
    public void Clone_CopiesTheBytesIntoANewVolume()
    {
        _tree.Ok($"head -c 1M /dev/urandom > \"{P}/volumes/orig.raw\"");

        _tree.Ok($"echo 'clone copy.raw' > \"{P}/vol/orig.raw/ctl\"");

        _tree.Ok($"cmp \"{P}/volumes/orig.raw\" \"{P}/volumes/copy.raw\"");
        Assert.Contains("copy.raw\n", _tree.Ok($"ls \"{P}/vol\""), StringComparison.Ordinal);
        _tree.Fails($"echo 'clone copy.raw' > \"{P}/vol/orig.raw/ctl\"", "write error: File exists");
        _tree.AssertLastError($"pools/{_pool}/vol/orig.raw/ctl", "EEXIST");
    }

    /// <summary>
    /// Volumes and control files have no extended attributes, and say so as procfs does
    /// (EOPNOTSUPP, not ENODATA): ls, cp and libacl then stop asking for the whole mount, which
    /// is what keeps <c>ls -l</c> of a large pool at one round trip per file. cp -a of a volume
    /// still works, and items keep their xattrs.
    /// </summary>
    [Fact]
    public void VolumesHaveNoXattrs_GetfattrSaysNotSupported_CpAStillCopies_AndItemsKeepTheirs()
    {
        _tree.Ok($"echo data > \"{P}/volumes/xa.raw\"");

        _tree.Fails($"getfattr -n security.selinux \"{P}/volumes/xa.raw\"", "Operation not supported");
        _tree.Fails($"getfattr -n system.posix_acl_access \"{P}/vol/xa.raw/info\"", "Operation not supported");
        _tree.Fails($"setfattr -n user.x -v 1 \"{P}/volumes/xa.raw\"", "Operation not supported");
        Assert.Equal("", _tree.Ok($"getfattr -d \"{P}/volumes/xa.raw\""));

        string copy = Path.Combine(Path.GetTempPath(), _tree.NewName("xa-copy-"));
        try
        {
            Assert.Equal("data\n", _tree.Ok($"cp -a \"{P}/volumes/xa.raw\" {copy} && cat {copy}"));
        }
        finally
        {
            File.Delete(copy);
        }

        string item = _tree.NewName("xattr-item");
        _tree.Ok($"mkdir \"$M/fspools/default/items/{item}\" && setfattr -n user.colour -v blue \"$M/fspools/default/items/{item}\"");
        Assert.Contains("user.colour=\"blue\"", _tree.Ok($"getfattr -d \"$M/fspools/default/items/{item}\""), StringComparison.Ordinal);
        _tree.Ok($"rmdir \"$M/fspools/default/items/{item}\"");
    }

    [Fact]
    public void Rm_DeletesTheVolumeAndItsControlDirectory_AndCtlDeleteNeedsTheName()
    {
        _tree.Ok($"echo a > \"{P}/volumes/gone.raw\" && echo b > \"{P}/volumes/gone2.raw\"");

        _tree.Ok($"rm \"{P}/volumes/gone.raw\"");

        _tree.Ok($"""
            test ! -e "{P}/volumes/gone.raw"
            test ! -e "{P}/vol/gone.raw"
            test ! -e "$S/pools/{_pool}/gone.raw"
            """);

        _tree.Fails($"echo 'delete gone' > \"{P}/vol/gone2.raw/ctl\"", "write error: Invalid argument");
        _tree.Ok($"echo 'delete gone2.raw' > \"{P}/vol/gone2.raw/ctl\" && test ! -e \"$S/pools/{_pool}/gone2.raw\"");
        Assert.DoesNotContain("gone2.raw", _tree.Ok($"ls \"{P}/volumes\""), StringComparison.Ordinal);
    }

    /// <summary>
    /// "Something changed behind our back (a file copied into a dir pool's directory) shows
    /// up at the next read and in ls at once". Checked first with no help; the failure message says
    /// whether an explicit <c>echo refresh &gt; ctl</c> makes it appear.
    /// </summary>
    [Fact]
    public void AFileCopiedIntoThePoolDirectoryByAnotherProcess_ShowsInLsAndInfoAtOnce()
    {
        _tree.Ok($"ls \"{P}/volumes\" > /dev/null"); // the listing is known to the kernel before
        _tree.Ok($"head -c 12345 /dev/zero > \"$S/pools/{_pool}/outside.raw\"");

        ShellResult seen = _tree.Sh($"""
            ls "{P}/volumes" | grep -x outside.raw
            cat "{P}/vol/outside.raw/info"
            """);

        if (!seen.Succeeded)
        {
            ShellResult refreshed = _tree.Sh($"""
                echo refresh > "{P}/ctl"
                ls "{P}/volumes" | grep -x outside.raw
                cat "{P}/vol/outside.raw/info"
                """);
            Assert.Fail($"a volume made in the pool directory does not show at once " +
                $"({(refreshed.Succeeded ? "it shows after 'echo refresh > ctl'" : "not even after 'echo refresh > ctl'")})\n{_tree.Describe(seen)}");
        }
        Assert.Equal(12345UL, InfoFile.Parse(seen.Stdout[(seen.Stdout.IndexOf('\n', StringComparison.Ordinal) + 1)..]).Number("Capacity"));
    }

    /// <summary>
    /// A listing skips re-reading a pool whose directory is unchanged since the last listing
    /// (docs/PERFORMANCE.md): a directory whose mtime is long settled must still show a file
    /// another program adds, and stop showing one it removes, at the very next listing.
    /// </summary>
    [Fact]
    public void ASettledPoolDirectory_StillShowsFilesAddedAndRemovedBehindOurBack_AtTheNextListing()
    {
        const string pool = "settled";
        _tree.Ok($"""
            echo "{_tree.PoolXml(pool)}" > "$M/define"
            echo build > "$M/pools/{pool}/ctl"
            echo start > "$M/pools/{pool}/ctl"
            head -c 4096 /dev/zero > "$S/pools/{pool}/old.raw"
            touch -d '1 hour ago' "$S/pools/{pool}"
            """);
        string v = $"$M/pools/{pool}/volumes";

        Assert.Equal("old.raw\n", _tree.Ok($"ls \"{v}\""));
        Assert.Equal("old.raw\n", _tree.Ok($"ls \"{v}\""));
        _tree.Ok($"head -c 8192 /dev/zero > \"$S/pools/{pool}/late.raw\"");
        Assert.Equal("late.raw\nold.raw\n", _tree.Ok($"ls \"{v}\""));
        Assert.Equal("8192\n", _tree.Ok($"stat -c %s \"{v}/late.raw\""));

        _tree.Ok($"touch -d '1 hour ago' \"$S/pools/{pool}\"; ls \"{v}\" > /dev/null; rm \"$S/pools/{pool}/old.raw\"");
        Assert.Equal("late.raw\n", _tree.Ok($"ls \"{v}\""));
        _tree.Fails($"cat \"$M/pools/{pool}/vol/old.raw/info\"", "No such file or directory");
    }
}
