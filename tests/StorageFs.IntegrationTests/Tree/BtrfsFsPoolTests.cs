namespace StorageFs.IntegrationTests.Tree;

/// <summary>
/// An fs pool with <c>&lt;format type='btrfs'/&gt;</c> (a StorageFs addition to
/// libvirt 9.0's fs formats, which docs/BACKENDS.md lists) is accepted, built with mkfs.btrfs on a
/// loop device, mounted, holds volumes, and keeps its format in its XML.
/// </summary>
public sealed class BtrfsFsPoolTests(TreeFixture fixture) : IClassFixture<TreeFixture>
{
    private readonly TreeMount _tree = fixture.Mount;

    [Fact]
    public void FsPool_WithFormatBtrfs_IsBuiltMountedAndHoldsVolumes()
    {
        string p = _tree.NewName("btr");
        string P = $"$M/pools/{p}";
        string loop = _tree.Ok($"truncate -s 256M \"$W/{p}.img\" && losetup -f --show \"$W/{p}.img\"").Trim();
        try
        {
            _tree.Ok($"""
                echo "<pool type='fs'><name>{p}</name><source><device path='{loop}'/><format type='btrfs'/></source><target><path>$S/pools/{p}</path></target></pool>" > "$M/define"
                echo 'build overwrite' > "{P}/ctl"
                echo start > "{P}/ctl"
                echo hello > "{P}/volumes/a.raw"
                """);

            Assert.Equal("btrfs\n", _tree.Ok($"findmnt -n -o FSTYPE \"$S/pools/{p}\""));
            Assert.Equal("hello\n", _tree.Ok($"cat \"$S/pools/{p}/a.raw\""));
            Assert.Contains("<format type='btrfs'/>", _tree.Ok($"cat \"{P}/xml\""), StringComparison.Ordinal);
            Assert.Equal("running\n", _tree.Ok($"cat \"{P}/state\""));
            _tree.Ok($"echo stop > \"{P}/ctl\" && ! mountpoint -q \"$S/pools/{p}\"");
        }
        finally
        {
            _tree.Sh($"""
                umount "$S/pools/{p}" 2>/dev/null
                echo 'undefine {p}' > "{P}/ctl"
                losetup -d {loop}
                rm -f "$W/{p}.img"
                """);
        }
    }
}
