using System.Globalization;

namespace StorageFs.IntegrationTests.Tree;

/// <summary>
/// The image toolbox of <c>pools/P/vol/V/ctl</c> on a real mount, checked
/// with the tools a user would use: <c>filefrag -v</c> for shared extents after a reflink clone
/// on an xfs loop, <c>qemu-img info --backing-chain</c> for a snapshot, <c>zstd -t</c> /
/// <c>gunzip -t</c> / <c>lzop -t</c> / <c>xz -t</c> for archives, <c>cmp</c> of a restore against
/// the original, and no destination after a cancelled archive (docs/TREE.md "pools/NAME/vol/").
/// </summary>
public sealed partial class ToolboxTests : IClassFixture<TreeFixture>
{
    private readonly TreeMount _tree;

    public ToolboxTests(TreeFixture fixture) => _tree = fixture.Mount;

    /// <summary>An fs pool on a fresh xfs loop device (mkfs.xfs makes reflink=1); the action
    /// gets the pool's name; the pool, its mount and the loop device go afterwards.</summary>
    private void WithXfsPool(Action<string> action)
    {
        Preflight.RequireTool("mkfs.xfs", "xfsprogs");
        Preflight.RequireTool("filefrag", "e2fsprogs");
        WithFsPool("xfs", action);
    }

    /// <summary>An fs pool of <paramref name="format"/> (xfs, ext4) on a fresh 512 MiB loop device,
    /// made by the pool's <c>build overwrite</c>; removed with its loop device afterwards.</summary>
    private void WithFsPool(string format, Action<string> action)
    {
        string p = _tree.NewName(format);
        string loop = _tree.Ok($"truncate -s 512M \"$W/{p}.img\" && losetup -f --show \"$W/{p}.img\"").Trim();
        try
        {
            _tree.Ok($"""
                echo "<pool type='fs'><name>{p}</name><source><device path='{loop}'/><format type='{format}'/></source><target><path>$S/pools/{p}</path></target></pool>" > "$M/define"
                echo 'build overwrite' > "$M/pools/{p}/ctl"
                echo start > "$M/pools/{p}/ctl"
                """);
            action(p);
        }
        finally
        {
            _tree.Sh($"""
                echo stop > "$M/pools/{p}/ctl"
                umount "$S/pools/{p}" 2>/dev/null
                echo 'undefine {p}' > "$M/pools/{p}/ctl"
                losetup -d {loop}
                rm -f "$W/{p}.img"
                """);
        }
    }

    [Fact]
    public void Clone_OnXfs_SharesExtentsByDefault_CopyWordCopies_ReflinkAcrossFileSystemsIsEOPNOTSUPP()
    {
        string d = _tree.NewRunningPool("tbd");
        WithXfsPool(x =>
        {
            string V = $"$M/pools/{x}/vol/base.raw";
            _tree.Ok($"head -c 8M /dev/urandom > \"$M/pools/{x}/volumes/base.raw\"");

            _tree.Ok($"when_free 'clone shared.raw' \"{V}/ctl\" && when_free 'clone demanded.raw reflink' \"{V}/ctl\" && when_free 'clone copied.raw copy' \"{V}/ctl\"");

            foreach (string name in new[] { "shared.raw", "demanded.raw" })
            {
                Assert.Contains("shared", _tree.Ok($"filefrag -v \"$S/pools/{x}/{name}\""), StringComparison.Ordinal);
                _tree.Ok($"cmp \"$M/pools/{x}/volumes/base.raw\" \"$M/pools/{x}/volumes/{name}\"");
            }
            Assert.DoesNotContain("shared", _tree.Ok($"filefrag -v \"$S/pools/{x}/copied.raw\""), StringComparison.Ordinal);
            _tree.Ok($"cmp \"$M/pools/{x}/volumes/base.raw\" \"$M/pools/{x}/volumes/copied.raw\"");

            // Another file system: no reflink possible; demanded, it fails and leaves nothing.
            _tree.Fails($"echo 'clone far.raw pool={d} reflink' > \"{V}/ctl\"", "write error: Operation not supported");
            Assert.DoesNotContain("far.raw", _tree.Ok($"ls \"$M/pools/{d}/volumes\""), StringComparison.Ordinal);
            // Without the word it copies across.
            _tree.Ok($"when_free 'clone far.raw pool={d}' \"{V}/ctl\" && cmp \"$M/pools/{x}/volumes/base.raw\" \"$M/pools/{d}/volumes/far.raw\"");
        });
    }

    [Fact]
    public void Clone_IntoAnotherPoolAsQcow2_ConvertsTheBytes_AndPreallocOfRawAllocatesAll()
    {
        Preflight.RequireTool("qemu-img", "qemu-utils");
        string a = _tree.NewRunningPool("tba");
        string b = _tree.NewRunningPool("tbb");
        _tree.Ok($"head -c 3M /dev/urandom > \"$M/pools/{a}/volumes/src.raw\"");

        _tree.Ok($"when_free 'clone conv.qcow2 pool={b} format=qcow2' \"$M/pools/{a}/vol/src.raw/ctl\"");
        _tree.Ok($"when_free 'clone full.raw prealloc' \"$M/pools/{a}/vol/src.raw/ctl\"");

        Assert.Contains("file format: qcow2", _tree.Ok($"qemu-img info \"$S/pools/{b}/conv.qcow2\""), StringComparison.Ordinal);
        _tree.Ok($"qemu-img compare -f raw -F qcow2 \"$S/pools/{a}/src.raw\" \"$S/pools/{b}/conv.qcow2\"");
        Assert.Contains("<format type='qcow2'/>", _tree.Ok($"cat \"$M/pools/{b}/vol/conv.qcow2/xml\""), StringComparison.Ordinal);
        var full = InfoFile.Parse(_tree.Ok($"cat \"$M/pools/{a}/vol/full.raw/info\""));
        Assert.Equal(full.Number("Capacity"), full.Number("Allocation"));
        _tree.Fails($"echo 'clone x.raw sideways' > \"$M/pools/{a}/vol/src.raw/ctl\"", "write error: Invalid argument");
        _tree.Fails($"echo 'clone x.raw pool=nosuchpool' > \"$M/pools/{a}/vol/src.raw/ctl\"", "write error: No such file or directory");
    }

    [Fact]
    public void Snapshot_OfQcow2_IsAnOverlayWithItsBackingChain_AndOnXfsARawSnapshotIsAReflink()
    {
        Preflight.RequireTool("qemu-img", "qemu-utils");
        string a = _tree.NewRunningPool("tbs");
        _tree.Ok($"""echo "<volume><name>base.qcow2</name><capacity unit='M'>16</capacity><target><format type='qcow2'/></target></volume>" > "$M/pools/{a}/create" """);

        _tree.Ok($"when_free 'snapshot snap.qcow2' \"$M/pools/{a}/vol/base.qcow2/ctl\"");

        string chain = _tree.Ok($"qemu-img info --backing-chain \"$S/pools/{a}/snap.qcow2\"");
        Assert.Contains($"backing file: {_tree.StateDir}/pools/{a}/base.qcow2", chain, StringComparison.Ordinal);
        Assert.Contains($"<path>{_tree.StateDir}/pools/{a}/base.qcow2</path>", _tree.Ok($"cat \"$M/pools/{a}/vol/snap.qcow2/xml\""), StringComparison.Ordinal);
        Assert.Equal($"{a}/base.qcow2 (qcow2 overlay)", InfoFile.Parse(_tree.Ok($"cat \"$M/pools/{a}/vol/snap.qcow2/info\""))["Snapshot of"]);
        Assert.Equal("-", InfoFile.Parse(_tree.Ok($"cat \"$M/pools/{a}/vol/base.qcow2/info\""))["Snapshot of"]);
        _tree.Fails($"echo 'snapshot snap.qcow2' > \"$M/pools/{a}/vol/base.qcow2/ctl\"", "write error: File exists");

        WithXfsPool(x =>
        {
            _tree.Ok($"head -c 4M /dev/urandom > \"$M/pools/{x}/volumes/r.raw\" && when_free 'snapshot r-snap.raw' \"$M/pools/{x}/vol/r.raw/ctl\"");
            Assert.Contains("shared", _tree.Ok($"filefrag -v \"$S/pools/{x}/r-snap.raw\""), StringComparison.Ordinal);
            Assert.Equal($"{x}/r.raw (reflink)", InfoFile.Parse(_tree.Ok($"cat \"$M/pools/{x}/vol/r-snap.raw/info\""))["Snapshot of"]);
            // Writable, and writing it leaves the original as it was.
            _tree.Ok($"""
                cp "$M/pools/{x}/volumes/r.raw" "$W/r.orig"
                printf 'changed' | dd of="$M/pools/{x}/volumes/r-snap.raw" conv=notrunc status=none
                cmp "$W/r.orig" "$M/pools/{x}/volumes/r.raw"
                ! cmp -s "$W/r.orig" "$M/pools/{x}/volumes/r-snap.raw"
                rm "$W/r.orig"
                """);
        });
    }

    /// <summary><c>archive DEST snapshot</c> on xfs: the archive holds the volume's bytes (read from
    /// a shared copy taken first), and the copy is gone afterwards: no volume, no file left in
    /// the pool, and the volume is free for a delete at once.</summary>
    [Fact]
    public void ArchiveWithSnapshot_OnXfs_HoldsTheVolumesBytes_AndLeavesNoSnapshotBehind()
    {
        Preflight.RequireTool("zstd", "zstd");
        WithXfsPool(x =>
        {
            string seen = _tree.Ok($"""
                head -c 8M /dev/urandom > "$M/pools/{x}/volumes/s.raw"
                when_free "archive $S/s-{x}.zst snapshot" "$M/pools/{x}/vol/s.raw/ctl"
                zstd -t -q "$S/s-{x}.zst" && echo tested
                zstd -d -q -c "$S/s-{x}.zst" | cmp - "$M/pools/{x}/volumes/s.raw" && echo same
                echo "volumes: $(ls -A "$M/pools/{x}/volumes" | tr '\n' ' ')"
                echo "host: $(ls -A "$S/pools/{x}" | tr '\n' ' ')"
                rm "$S/s-{x}.zst"
                when_free 'delete s.raw' "$M/pools/{x}/vol/s.raw/ctl" && echo deleted
                """);
            Assert.Equal("tested\nsame\nvolumes: s.raw \nhost: s.raw \ndeleted\n", seen);
        });
    }

    [Theory]
    [InlineData("zstd", "zstd")]
    [InlineData("gzip", "gzip")]
    [InlineData("lzop", "lzop")]
    [InlineData("xz", "xz-utils")]
    public void Archive_OfASparseVolume_IsTheToolsOwnStream_AndRestoreGivesBackTheSameBytes(string tool, string package)
    {
        Preflight.RequireTool(tool, package);
        string a = _tree.NewRunningPool("tbz");
        string b = _tree.NewRunningPool("tbzb");
        // 200 MiB with 2 MiB of data at 1 MiB and 2 MiB at 150 MiB: holes longer than a split.
        _tree.Ok($"""
            echo "<volume><name>v.raw</name><capacity unit='M'>200</capacity><allocation>0</allocation></volume>" > "$M/pools/{a}/create"
            head -c 2M /dev/urandom | dd of="$M/pools/{a}/volumes/v.raw" bs=1M seek=1 conv=notrunc status=none
            head -c 2M /dev/urandom | dd of="$M/pools/{a}/volumes/v.raw" bs=1M seek=150 conv=notrunc status=none
            """);

        _tree.Ok($"when_free 'archive {b}/v.{tool} compress={tool}' \"$M/pools/{a}/vol/v.raw/ctl\"");
        _tree.Ok($"when_free \"archive $S/v-{a}.{tool} compress={tool}\" \"$M/pools/{a}/vol/v.raw/ctl\"");

        // The tool alone tests and expands both.
        _tree.Ok($"""
            {tool} -t "$S/pools/{b}/v.{tool}"
            {tool} -d -c "$S/pools/{b}/v.{tool}" | cmp - "$S/pools/{a}/v.raw"
            {tool} -d -c "$S/v-{a}.{tool}" | cmp - "$S/pools/{a}/v.raw"
            """);
        var info = InfoFile.Parse(_tree.Ok($"cat \"$M/pools/{b}/vol/v.{tool}/info\""));
        Assert.Equal(tool, info["Compressed"]);
        Assert.Equal((200L << 20).ToString(CultureInfo.InvariantCulture) + " bytes", info["Expands to"]);

        // Restore into a zeroed volume (with stale bytes to be cleared) from the volume and from the file.
        _tree.Ok($"""
            cat "$M/events" > "$W/events.{a}" &
            reader=$!
            for i in $(seq 100); do ls -l /proc/$reader/fd 2>/dev/null | grep -q "$M/events" && break; sleep 0.05; done
            echo "<volume><name>r.raw</name><capacity unit='M'>256</capacity><allocation>0</allocation></volume>" > "$M/pools/{a}/create"
            head -c 1M /dev/urandom | dd of="$M/pools/{a}/volumes/r.raw" bs=1M seek=250 conv=notrunc status=none
            when_free 'restore {b}/v.{tool}' "$M/pools/{a}/vol/r.raw/ctl"
            cmp -n 209715200 "$S/pools/{a}/r.raw" "$S/pools/{a}/v.raw"
            cmp -i 209715200 "$S/pools/{a}/r.raw" /dev/zero -n 58720256
            when_free "restore $S/v-{a}.{tool}" "$M/pools/{a}/vol/r.raw/ctl"
            cmp -n 209715200 "$S/pools/{a}/r.raw" "$S/pools/{a}/v.raw"
            when_free 'restore {a}/v.raw' "$M/pools/{a}/vol/r.raw/ctl"
            cmp -n 209715200 "$S/pools/{a}/r.raw" "$S/pools/{a}/v.raw"
            test "$(stat -c %s "$S/pools/{a}/r.raw")" = 268435456
            rm "$S/v-{a}.{tool}"
            for i in $(seq 100); do grep -q "event=volume-restored object=pools/{a}/volumes/r.raw$" "$W/events.{a}" && break; sleep 0.05; done
            kill $reader
            grep -c "event=volume-restored object=pools/{a}/volumes/r.raw$" "$W/events.{a}" | grep -qx 3
            rm "$W/events.{a}"
            """, TimeSpan.FromSeconds(180));
        // Holes stay holes: the restored volume holds about its 4 MiB of data.
        long allocated = long.Parse(_tree.Ok($"du -k \"$S/pools/{a}/r.raw\" | cut -f1").Trim(), CultureInfo.InvariantCulture);
        Assert.InRange(allocated, 4 << 10, 6 << 10);
    }

    [Fact]
    public void Archive_NeverTouchesAnExistingDestWithoutOverwrite_AndACancelledArchiveLeavesNoDest()
    {
        string a = _tree.NewRunningPool("tbc");
        _tree.Ok($"""
            head -c 100M /dev/urandom > "$M/pools/{a}/volumes/big.raw"
            echo keep > "$S/{a}.zst"
            """, TimeSpan.FromSeconds(120));

        _tree.Fails($"echo \"archive $S/{a}.zst\" > \"$M/pools/{a}/vol/big.raw/ctl\"", "write error: File exists");
        Assert.Equal("keep\n", _tree.Ok($"cat \"$S/{a}.zst\""));
        _tree.Fails($"echo \"archive /etc/{a}.zst\" > \"$M/pools/{a}/vol/big.raw/ctl\"", "write error: Operation not permitted");
        _tree.Fails($"echo \"archive {a}/x.zst compress=rar\" > \"$M/pools/{a}/vol/big.raw/ctl\"", "write error: Invalid argument");

        // Ctrl-C of the writer (SIGINT while the job runs: xz takes many seconds over 100 MiB
        // of random bytes) cancels the job; no file appears.
        Preflight.RequireTool("xz", "xz-utils");
        // (env restores SIGINT's default disposition: the test host's children start with it ignored.)
        var r = _tree.Sh($"timeout -s INT 2 env --default-signal=INT bash -c 'echo archive {a}/big.xz compress=xz > \"$M/pools/{a}/vol/big.raw/ctl\"'");
        Assert.False(r.Succeeded, _tree.Describe(r));
        _tree.Ok("for i in $(seq 100); do grep -q 'State:          running' \"$M\"/jobs/*/info || break; sleep 0.1; done");
        Assert.Equal("big.raw\n", _tree.Ok($"ls -A \"$S/pools/{a}\""));
        Assert.DoesNotContain("big.xz", _tree.Ok($"ls \"$M/pools/{a}/volumes\""), StringComparison.Ordinal);
        Assert.Contains("State:          cancelled", _tree.Ok("cat \"$M\"/jobs/*/info"), StringComparison.Ordinal);
        _tree.Ok($"rm \"$S/{a}.zst\"");
    }

    [Fact]
    public void Restore_IsEBUSYWhileTheVolumeIsOpenForWriting_AndENOSPCForALargerSource()
    {
        string a = _tree.NewRunningPool("tbr");
        _tree.Ok($"""
            head -c 2M /dev/urandom > "$M/pools/{a}/volumes/src.raw"
            head -c 1M /dev/zero > "$M/pools/{a}/volumes/small.raw"
            head -c 4M /dev/zero > "$M/pools/{a}/volumes/dst.raw"
            """);

        _tree.Fails($"exec 3>>\"$M/pools/{a}/volumes/dst.raw\"; echo 'restore {a}/src.raw' > \"$M/pools/{a}/vol/dst.raw/ctl\"", "write error: Device or resource busy");
        // A writer on the host, outside the mount, counts too.
        _tree.Fails($"exec 3>>\"$S/pools/{a}/dst.raw\"; echo 'restore {a}/src.raw' > \"$M/pools/{a}/vol/dst.raw/ctl\"", "write error: Device or resource busy");
        _tree.Fails($"echo 'restore {a}/src.raw' > \"$M/pools/{a}/vol/small.raw/ctl\"", "write error: No space left on device");
        _tree.AssertLastError($"pools/{a}/vol/small.raw/ctl", "ENOSPC");
        _tree.Ok($"cmp \"$M/pools/{a}/volumes/small.raw\" /dev/zero -n 1048576");

        _tree.Ok($"when_free 'restore {a}/src.raw' \"$M/pools/{a}/vol/dst.raw/ctl\" && cmp -n 2097152 \"$M/pools/{a}/volumes/src.raw\" \"$M/pools/{a}/volumes/dst.raw\"");
    }
}
