namespace StorageFs.IntegrationTests.Tree;

/// <summary>
/// A volume stored as a directory (a <c>dir</c> volume, a ploop volume, an fs
/// pool's lost+found) is a read-only directory in <c>volumes/</c> holding its real files, every
/// st_size is what a read returns, and <c>tar</c> and <c>rsync --checksum</c> of the whole
/// <c>volumes/</c> succeed on a dir pool and on a fresh ext4 fs pool on a loop device
/// (docs/TREE.md "pools/NAME/", docs/BACKENDS.md).
/// </summary>
public sealed class DirectoryVolumeTests(TreeFixture fixture) : IClassFixture<TreeFixture>
{
    private readonly TreeMount _tree = fixture.Mount;

    // Every regular file below $1: its st_size and the bytes cat reads must agree.
    private const string SizesMatch = """
        sizes_match() {
          find "$1" -type f | while IFS= read -r f; do
            s=$(stat -c %s "$f"); n=$(cat "$f" | wc -c)
            [ "$s" = "$n" ] || { echo "$f: st_size $s, read $n" >&2; exit 1; }
          done
        }
        """;

    [Fact]
    public void DirPool_WithRawQcow2PloopAndDirVolumes_TarsAndRsyncsAsTheHostHoldsThem()
    {
        string p = _tree.NewRunningPool("dv");
        string P = $"$M/pools/{p}";
        _tree.Ok($"""
            echo hello > "{P}/volumes/a.raw"
            echo "<volume><name>b.qcow2</name><capacity unit='M'>16</capacity><target><format type='qcow2'/></target></volume>" > "{P}/create"
            echo "<volume><name>pl</name><capacity unit='M'>64</capacity><target><format type='ploop'/></target></volume>" > "{P}/create"
            echo "<volume><name>d</name><capacity>0</capacity><target><format type='dir'/></target></volume>" > "{P}/create"
            echo inside > "$S/pools/{p}/d/f.txt"
            mkdir "$S/pools/{p}/d/sub" && echo deeper > "$S/pools/{p}/d/sub/g"
            ln -s f.txt "$S/pools/{p}/d/link"
            """);

        var kinds = _tree.Ok($"cd \"{P}/volumes\" && stat -c '%n %F' a.raw b.qcow2 pl d pl/root.hds pl/DiskDescriptor.xml d/sub d/link");
        Assert.Equal(
            "a.raw regular file\nb.qcow2 regular file\npl directory\nd directory\npl/root.hds regular file\n" +
            "pl/DiskDescriptor.xml regular file\nd/sub directory\nd/link symbolic link\n", kinds);
        Assert.Equal("f.txt\nlink\nsub\n", _tree.Ok($"ls \"{P}/volumes/d\""));
        Assert.Equal("f.txt\n", _tree.Ok($"readlink \"{P}/volumes/d/link\""));
        Assert.Equal("deeper\n", _tree.Ok($"cat \"{P}/volumes/d/sub/g\""));
        _tree.Ok($"""
            cmp "{P}/volumes/pl/root.hds" "$S/pools/{p}/pl/root.hds"
            cmp "{P}/volumes/pl/DiskDescriptor.xml" "$S/pools/{p}/pl/DiskDescriptor.xml"
            {SizesMatch}
            sizes_match "{P}/volumes"
            """);

        string listing = _tree.Ok($"tar -C \"{P}/volumes\" -cf - . | tar -tvf -");
        foreach (string name in new[] { "./a.raw", "./b.qcow2", "./pl/root.hds", "./pl/DiskDescriptor.xml", "./d/f.txt", "./d/sub/g", "./d/link -> f.txt" })
            Assert.Contains(name, listing, StringComparison.Ordinal);

        _tree.Ok($"""
            rsync -a --checksum "{P}/volumes/" "$W/{p}-copy/"
            diff -r --no-dereference "$S/pools/{p}" "$W/{p}-copy"
            rm -rf "$W/{p}-copy"
            """);
    }

    [Fact]
    public void DirectoryVolume_RefusesEveryChange_WithEROFS_AndLeavesTheHostAlone()
    {
        string p = _tree.NewRunningPool("dr");
        string P = $"$M/pools/{p}";
        _tree.Ok($"""
            echo "<volume><name>pl</name><capacity unit='M'>8</capacity><target><format type='ploop'/></target></volume>" > "{P}/create"
            echo "<volume><name>d</name><capacity>0</capacity><target><format type='dir'/></target></volume>" > "{P}/create"
            echo inside > "$S/pools/{p}/d/f"
            """);
        string before = _tree.Ok($"cd \"$S/pools/{p}\" && find . -printf '%p %s %m\\n' | sort && sha256sum pl/root.hds");

        _tree.Fails($"echo x >> \"{P}/volumes/pl/root.hds\"", "Read-only file system");
        _tree.AssertLastError($"pools/{p}/volumes/pl/root.hds", "EROFS", op: "open");
        _tree.Fails($"echo x > \"{P}/volumes/d/new\"", "Read-only file system");
        _tree.AssertLastError($"pools/{p}/volumes/d/new", "EROFS", op: "create");
        _tree.Fails($"rm \"{P}/volumes/d/f\"", "Read-only file system");
        _tree.Fails($"mkdir \"{P}/volumes/d/x\"", "Read-only file system");
        _tree.Fails($"chmod 777 \"{P}/volumes/d/f\"", "Read-only file system");
        _tree.Fails($"truncate -s 0 \"{P}/volumes/d/f\"", "Read-only file system");
        _tree.Fails($"mv \"{P}/volumes/d/f\" \"{P}/volumes/d/g\"", "Read-only file system");
        _tree.Fails($"rm -rf \"{P}/volumes/pl\"", "Read-only file system");
        _tree.Fails($"rmdir \"{P}/volumes/d\"", "Operation not permitted");
        _tree.AssertLastError($"pools/{p}/volumes/d", "EPERM", op: "rmdir");

        Assert.Equal(before, _tree.Ok($"cd \"$S/pools/{p}\" && find . -printf '%p %s %m\\n' | sort && sha256sum pl/root.hds"));
    }

    [Fact]
    public void DirectoryVolume_OpenFileInside_HoldsTheVolume_AgainstDelete()
    {
        string p = _tree.NewRunningPool("dh");
        string P = $"$M/pools/{p}";
        _tree.Ok($"echo \"<volume><name>pl</name><capacity unit='M'>8</capacity><target><format type='ploop'/></target></volume>\" > \"{P}/create\"");

        _tree.Ok($"""
            exec 3< "{P}/volumes/pl/root.hds"
            ! echo 'delete pl' > "{P}/vol/pl/ctl"
            test -d "$S/pools/{p}/pl"
            exec 3<&-
            """);
        // The lease ends with the kernel's RELEASE, a moment after close(2).
        _tree.Ok($"for i in $(seq 50); do echo 'delete pl' > \"{P}/vol/pl/ctl\" 2>/dev/null && break; sleep 0.1; done; test ! -e \"$S/pools/{p}/pl\"");
    }

    [Fact]
    public void FsPool_OnAFreshExt4LoopDevice_ShowsLostAndFoundAsADirectory_AndTarsAndRsyncs()
    {
        string p = _tree.NewName("fsv");
        string P = $"$M/pools/{p}";
        string loop = _tree.Ok($"truncate -s 64M \"$W/{p}.img\" && losetup -f --show \"$W/{p}.img\"").Trim();
        try
        {
            _tree.Ok($"""
                echo "<pool type='fs'><name>{p}</name><source><device path='{loop}'/><format type='ext4'/></source><target><path>$S/pools/{p}</path></target></pool>" > "$M/define"
                echo 'build overwrite' > "{P}/ctl"
                echo start > "{P}/ctl"
                echo hello > "{P}/volumes/a.raw"
                echo "<volume><name>pl</name><capacity unit='M'>8</capacity><target><format type='ploop'/></target></volume>" > "{P}/create"
                """);

            Assert.Equal("lost+found directory\n", _tree.Ok($"cd \"{P}/volumes\" && stat -c '%n %F' lost+found"));
            Assert.Equal("700\n", _tree.Ok($"stat -c '%a' \"{P}/volumes/lost+found\""));
            Assert.Equal("", _tree.Ok($"ls -A \"{P}/volumes/lost+found\""));
            _tree.Ok($"""
                {SizesMatch}
                sizes_match "{P}/volumes"
                """);
            string listing = _tree.Ok($"tar -C \"{P}/volumes\" -cf - . | tar -tvf -");
            Assert.Contains("./lost+found/", listing, StringComparison.Ordinal);
            Assert.Contains("./pl/root.hds", listing, StringComparison.Ordinal);
            _tree.Ok($"""
                rsync -a --checksum "{P}/volumes/" "$W/{p}-copy/"
                diff -r "$S/pools/{p}" "$W/{p}-copy"
                rm -rf "$W/{p}-copy"
                """);

            // Nothing of the listing holds the file system: the pool stops (umount) at once.
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
