namespace StorageFs.IntegrationTests.Tree;

/// <summary>
/// The toolbox across pool types: clone between a block pool and a file pool (a disk pool on a
/// loop device: its partitions are block volumes this host can open, unlike a logical pool's LVs
/// without device-mapper), snapshot refused in a logical pool, <c>clone … reflink</c> on ext4,
/// and a restore cancelled by Ctrl-C (docs/TREE.md "The image toolbox").
/// </summary>
public sealed partial class ToolboxTests
{
    [Fact]
    public void Clone_FromABlockPoolIntoAFilePool_AndBack_CopiesTheBytes()
    {
        Preflight.RequireTool("parted", "parted");
        string d = _tree.NewRunningPool("tbk");
        string disk = _tree.NewName("tbdisk");
        string loop = _tree.Ok($"""
            truncate -s 64M "$W/{disk}.img"
            dev=$(losetup --find --show "$W/{disk}.img")
            trap 'losetup -d "$dev"; rm -f "$W/{disk}.img"' ERR
            echo "<pool type='disk'><name>{disk}</name><source><device path='$dev'/><format type='gpt'/></source><target><path>/dev</path></target></pool>" > "$M/define"
            echo build > "$M/pools/{disk}/ctl"
            echo start > "$M/pools/{disk}/ctl"
            basename "$dev"
            """).Trim();
        try
        {
            string seen = _tree.Ok($"""
                echo "<volume><name>{loop}p1</name><capacity unit='MiB'>8</capacity></volume>" > "$M/pools/{disk}/create"
                head -c 8M /dev/urandom | dd of=/dev/{loop}p1 bs=1M conv=fsync status=none
                # Block -> file: a raw file of the partition's size holding its bytes.
                when_free 'clone part.raw pool={d}' "$M/pools/{disk}/vol/{loop}p1/ctl"
                stat -c %s "$S/pools/{d}/part.raw"
                cmp /dev/{loop}p1 "$S/pools/{d}/part.raw" && echo "file holds the partition"
                # File -> block: a new partition at least the file's size, holding its bytes.
                head -c 3M /dev/urandom > "$M/pools/{d}/volumes/f.raw"
                when_free 'clone {loop}p2 pool={disk}' "$M/pools/{d}/vol/f.raw/ctl"
                test "$(blockdev --getsize64 /dev/{loop}p2)" -ge 3145728 && echo "partition is large enough"
                cmp -n 3145728 "$S/pools/{d}/f.raw" /dev/{loop}p2 && echo "partition holds the file"
                grep -c "^Type: *block" "$M/pools/{disk}/vol/{loop}p2/info"
                """, TimeSpan.FromSeconds(120));
            Assert.Equal("8388608\nfile holds the partition\npartition is large enough\npartition holds the file\n1\n", seen);
        }
        finally
        {
            _tree.Sh($"""
                for i in $(seq 50); do echo stop > "$M/pools/{disk}/ctl" 2>/dev/null && break; sleep 0.1; done
                echo "undefine {disk}" > "$M/pools/{disk}/ctl"
                for i in $(seq 50); do
                  losetup -d /dev/{loop} 2>/dev/null || true
                  losetup /dev/{loop} >/dev/null 2>&1 || break
                  sleep 0.2
                done
                rm -f "$W/{disk}.img"
                """);
        }
    }

    [WithoutDeviceMapperFact]
    public void Snapshot_InALogicalPool_WithoutDeviceMapper_IsEOPNOTSUPP_NamingWhatWouldWork()
    {
        Preflight.RequireTool("pvcreate", "lvm2");
        string pool = _tree.NewName("tblv");
        string loop = _tree.Ok($"""
            truncate -s 64M "$W/{pool}.img"
            dev=$(losetup --find --show "$W/{pool}.img")
            trap 'losetup -d "$dev"; rm -f "$W/{pool}.img"' ERR
            echo "<pool type='logical'><name>{pool}</name><source><device path='$dev'/><name>{pool}</name></source><target><path>/dev/{pool}</path></target></pool>" > "$M/define"
            echo build > "$M/pools/{pool}/ctl"
            echo start > "$M/pools/{pool}/ctl"
            basename "$dev"
            """).Trim();
        try
        {
            // An LV made with a size: metadata only on this host, enough to be snapshot's subject.
            _tree.Ok($"""echo "<volume><name>w</name><capacity unit='MiB'>4</capacity></volume>" > "$M/pools/{pool}/create" """);

            _tree.Fails($"echo 'snapshot w-snap' > \"$M/pools/{pool}/vol/w/ctl\"", "write error: Operation not supported");

            string line = _tree.AssertLastError($"pools/{pool}/vol/w/ctl", "EOPNOTSUPP");
            Assert.Contains("an LVM snapshot needs device-mapper, which this host lacks", line, StringComparison.Ordinal);
            Assert.Contains("reflinks on xfs or btrfs or qcow2 overlays", line, StringComparison.Ordinal);
            Assert.Contains("'clone' copies the volume instead", line, StringComparison.Ordinal);
            Assert.Equal("w\n", _tree.Ok($"ls \"$M/pools/{pool}/volumes\""));
            Assert.Equal("w\n", _tree.Ok($"lvs --driverloaded n --noheadings -o lv_name {pool} 2>/dev/null | tr -d ' '"));
        }
        finally
        {
            _tree.Sh($"""
                echo "delete w" > "$M/pools/{pool}/vol/w/ctl" 2>/dev/null
                echo stop > "$M/pools/{pool}/ctl"
                echo "delete {pool}" > "$M/pools/{pool}/ctl"
                echo "undefine {pool}" > "$M/pools/{pool}/ctl"
                vgremove --driverloaded n -f {pool} >/dev/null 2>&1
                pvremove --driverloaded n -f /dev/{loop} >/dev/null 2>&1
                losetup -d /dev/{loop}
                rm -f "$W/{pool}.img"
                """);
        }
    }

    [Fact]
    public void CloneReflink_OnExt4_IsEOPNOTSUPP_AndLeavesNothing_WhileACloneWithoutTheWordCopies()
    {
        Preflight.RequireTool("mkfs.ext4", "e2fsprogs");
        WithFsPool("ext4", e =>
        {
            _tree.Ok($"head -c 4M /dev/urandom > \"$M/pools/{e}/volumes/b.raw\"");

            _tree.Fails($"echo 'clone c.raw reflink' > \"$M/pools/{e}/vol/b.raw/ctl\"", "write error: Operation not supported");

            _tree.AssertLastError($"pools/{e}/vol/b.raw/ctl", "EOPNOTSUPP");
            Assert.Equal("b.raw\nlost+found\n", _tree.Ok($"ls \"$M/pools/{e}/volumes\""));
            Assert.Equal("b.raw\nlost+found\n", _tree.Ok($"ls -A \"$S/pools/{e}\""));
            // 'snapshot' of a raw volume there falls back to a qcow2 overlay, 'clone' to a copy.
            _tree.Ok($"when_free 'clone c.raw' \"$M/pools/{e}/vol/b.raw/ctl\" && cmp \"$S/pools/{e}/b.raw\" \"$S/pools/{e}/c.raw\"");
        });
    }

    /// <summary>A copy of a fully allocated raw on xfs with room for one more copy but not two:
    /// the copy is allocated first, then written (xfs's fallocate reserves the whole range even
    /// where it is written already: over the written copy it failed with ENOSPC).</summary>
    [Fact]
    public void CloneCopy_OnXfs_NeedsRoomForOneCopyOnly()
    {
        WithXfsPool(x =>
        {
            _tree.Ok($"head -c 200M /dev/urandom > \"$M/pools/{x}/volumes/big.raw\"", TimeSpan.FromSeconds(60));

            _tree.Ok($"when_free 'clone big-copy.raw copy' \"$M/pools/{x}/vol/big.raw/ctl\"", TimeSpan.FromSeconds(120));

            _tree.Ok($"cmp \"$S/pools/{x}/big.raw\" \"$S/pools/{x}/big-copy.raw\"", TimeSpan.FromSeconds(60));
            Assert.DoesNotContain("shared", _tree.Ok($"filefrag -v \"$S/pools/{x}/big-copy.raw\""), StringComparison.Ordinal);
            var info = InfoFile.Parse(_tree.Ok($"cat \"$M/pools/{x}/vol/big-copy.raw/info\""));
            Assert.Equal(info.Number("Capacity"), info.Number("Allocation"));
        });
    }

    /// <summary>docs/TREE.md: a file volume is restored into a new unnamed file put in its place
    /// only at the end, so Ctrl-C of the writer leaves the volume as it was (bytes, size, name),
    /// no stray file in the pool's directory, and the volume free for the next command. The
    /// source keeps the restore busy for long: a gzip archive of 16 GiB of zeros made of one
    /// member concatenated 256 times (gzip -1, so not the zero streams an archive skips).</summary>
    [Fact]
    public void Restore_CancelledByCtrlC_LeavesTheVolumeAsItWas()
    {
        Preflight.RequireTool("gzip", "gzip");
        string a = _tree.NewRunningPool("tbq");
        _tree.Ok($"""
            head -c 64M /dev/zero | gzip -1 -n -c > "$W/{a}.member"
            for i in $(seq 256); do cat "$W/{a}.member"; done > "$S/{a}-zeros.gz"
            rm "$W/{a}.member"
            truncate -s 16G "$M/pools/{a}/volumes/r.raw"
            head -c 1M /dev/urandom | dd of="$M/pools/{a}/volumes/r.raw" bs=1M seek=100 conv=notrunc status=none
            dd if="$S/pools/{a}/r.raw" bs=1M skip=100 count=1 status=none > "$W/{a}.before"
            """, TimeSpan.FromSeconds(120));

        // (env restores SIGINT's default disposition: the test host's children start with it ignored.)
        var r = _tree.Sh($"timeout -s INT 2 env --default-signal=INT bash -c 'echo \"restore $S/{a}-zeros.gz\" > \"$M/pools/{a}/vol/r.raw/ctl\"'");
        Assert.False(r.Succeeded, _tree.Describe(r));

        string seen = _tree.Ok($"""
            for i in $(seq 300); do grep -q 'State: *running' "$M"/jobs/*/info 2>/dev/null || break; sleep 0.1; done
            for d in "$M"/jobs/*/; do
              if grep -q "^Operation: *VolumeRestore" "$d/info" && grep -q "^Object: *{a}/r.raw\$" "$d/info"; then cat "$d/state"; fi
            done
            ls -A "$S/pools/{a}"
            stat -c %s "$S/pools/{a}/r.raw"
            dd if="$S/pools/{a}/r.raw" bs=1M skip=100 count=1 status=none | cmp - "$W/{a}.before" && echo "bytes as before"
            kib=$(du -k "$S/pools/{a}/r.raw" | cut -f1)
            [ "$kib" -ge 1024 ] && [ "$kib" -le 1100 ] && echo "still 1 MiB allocated"
            head -c 1M /dev/urandom > "$M/pools/{a}/volumes/s.raw"
            when_free 'restore {a}/s.raw' "$M/pools/{a}/vol/r.raw/ctl"
            cmp -n 1048576 "$S/pools/{a}/s.raw" "$S/pools/{a}/r.raw" && echo "restored afterwards"
            rm "$S/{a}-zeros.gz" "$W/{a}.before"
            """, TimeSpan.FromSeconds(60));
        Assert.Equal("cancelled\nr.raw\n17179869184\nbytes as before\nstill 1 MiB allocated\nrestored afterwards\n", seen);
    }
}
