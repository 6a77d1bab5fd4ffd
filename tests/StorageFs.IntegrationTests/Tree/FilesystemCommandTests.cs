namespace StorageFs.IntegrationTests.Tree;

/// <summary>
/// <c>growfs [SIZE]</c> and <c>shrinkfs SIZE [resize]</c> in
/// <c>vol/V/ctl</c> on real ext4, xfs and btrfs made by their own mkfs in volumes, checked
/// afterwards with dumpe2fs, xfs_info and btrfs's own superblock dump on the host file; the
/// refusals (mounted, open, a container format, xfs shrink) leave the volume as it was;
/// <c>vol/V/info</c>'s Filesystem, Mounted and Backing lines; <c>/storage/node</c>.
/// </summary>
public sealed class FilesystemCommandTests : IClassFixture<TreeFixture>
{
    private readonly TreeMount _tree;
    private readonly string _pool;

    public FilesystemCommandTests(TreeFixture fixture)
    {
        _tree = fixture.Mount;
        _pool = _tree.NewRunningPool("fsops");
    }

    [Fact]
    public void Growfs_Ext4_FillsTheVolume_AndShrinkfsResize_ShrinksFilesystemAndVolume()
    {
        string seen = _tree.Ok($$"""
            P="$M/pools/{{_pool}}"; H="$S/pools/{{_pool}}"
            truncate -s 64M "$P/volumes/e.raw"
            mkfs.ext4 -q -F -b 4096 "$P/volumes/e.raw" 32M
            size() { dumpe2fs -h "$H/e.raw" 2>/dev/null | awk -F: '/^Block count/{c=$2} /^Block size/{b=$2} END{print c*b}'; }
            size
            grep -E '^(Filesystem|Mounted|Backing):' "$P/vol/e.raw/info"
            cat "$M/events" > "$W/e.events" &
            reader=$!
            for i in $(seq 100); do ls -l /proc/$reader/fd 2>/dev/null | grep -q "$M/events" && break; sleep 0.05; done
            echo growfs > "$P/vol/e.raw/ctl"
            size
            echo 'shrinkfs 40M resize' > "$P/vol/e.raw/ctl"
            size
            stat -c %s "$P/volumes/e.raw"
            e2fsck -f -n "$H/e.raw" >/dev/null && echo clean
            losetup -j "$H/e.raw" | wc -l
            for i in $(seq 100); do grep -q "event=volume-resized object=pools/{{_pool}}/volumes/e.raw$" "$W/e.events" && break; sleep 0.05; done
            kill $reader
            grep -o 'event=volume-[a-z-]* object=pools/{{_pool}}/volumes/e.raw$' "$W/e.events" | cut -d' ' -f1 | tr '\n' ' '
            """, TimeSpan.FromMinutes(2));
        string[] l = seen.Split('\n');
        Assert.Equal((32L << 20).ToString(), l[0]);
        Assert.Equal("Filesystem:     ext4", l[1]);
        Assert.Equal("Mounted:        no", l[2]);
        Assert.Equal("Backing:        none", l[3]);
        Assert.Equal((64L << 20).ToString(), l[4]);
        Assert.Equal((40L << 20).ToString(), l[5]);
        Assert.Equal((40L << 20).ToString(), l[6]);
        Assert.Equal("clean", l[7]);
        Assert.Equal("0", l[8]);
        Assert.Equal("event=volume-fs-resized event=volume-fs-resized event=volume-resized ", l[9]);
    }

    [Fact]
    public void Growfs_Xfs_GrowsOnlineInAPrivateNamespace_AndShrinkfs_IsEOPNOTSUPP()
    {
        string seen = _tree.Ok($$"""
            P="$M/pools/{{_pool}}"; H="$S/pools/{{_pool}}"
            truncate -s 512M "$P/volumes/x.raw"
            mkfs.xfs -q -f -d size=320m "$H/x.raw"
            size() { xfs_db -r -c 'sb 0' -c 'p dblocks blocksize' "$H/x.raw" | awk '{v[NR]=$3} END{printf "%.0f\n", v[1]*v[2]}'; }
            size
            grep '^Filesystem:' "$P/vol/x.raw/info"
            echo 'growfs 400M' > "$P/vol/x.raw/ctl"
            size
            echo growfs > "$P/vol/x.raw/ctl"
            size
            # Other programs mount and unmount on this host meanwhile: look for ours, not a count.
            # (A mount of the filesystem anywhere would also keep its loop device attached.)
            ! grep -qE ' - tmpfs storagefs-fs ' /proc/self/mountinfo && [ -z "$(losetup -j "$H/x.raw")" ] && echo no-host-mount
            if echo 'shrinkfs 400M' 2> "$W/xs.err" > "$P/vol/x.raw/ctl"; then echo shrank; fi
            cat "$W/xs.err"
            size
            tail -n1 "$M/errors" | grep -o 'errno=[A-Z]* msg=.*cannot shrink'
            """, TimeSpan.FromMinutes(2));
        string[] l = seen.Split('\n');
        Assert.Equal((320L << 20).ToString(), l[0]);
        Assert.Equal("Filesystem:     xfs", l[1]);
        Assert.Equal((400L << 20).ToString(), l[2]);
        Assert.Equal((512L << 20).ToString(), l[3]);
        Assert.Equal("no-host-mount", l[4]);
        Assert.Contains("Operation not supported", l[5], StringComparison.Ordinal);
        Assert.Equal((512L << 20).ToString(), l[6]);
        Assert.StartsWith("errno=EOPNOTSUPP", l[7], StringComparison.Ordinal);
    }

    [Fact]
    public void Growfs_Btrfs_FillsTheVolume_AndShrinkfsResize_ShrinksBoth()
    {
        string seen = _tree.Ok($$"""
            P="$M/pools/{{_pool}}"; H="$S/pools/{{_pool}}"
            truncate -s 512M "$P/volumes/b.raw"
            mkfs.btrfs -q -f -b 256M "$H/b.raw" >/dev/null
            size() { btrfs inspect-internal dump-super "$H/b.raw" | awk '$1=="total_bytes"{print $2}'; }
            size
            grep '^Filesystem:' "$P/vol/b.raw/info"
            echo growfs > "$P/vol/b.raw/ctl"
            size
            echo 'shrinkfs 384M resize' > "$P/vol/b.raw/ctl"
            size
            stat -c %s "$H/b.raw"
            btrfs check "$H/b.raw" >/dev/null 2>&1 && echo clean
            """, TimeSpan.FromMinutes(2));
        string[] l = seen.Split('\n');
        Assert.Equal((256L << 20).ToString(), l[0]);
        Assert.Equal("Filesystem:     btrfs", l[1]);
        Assert.Equal((512L << 20).ToString(), l[2]);
        Assert.Equal((384L << 20).ToString(), l[3]);
        Assert.Equal((384L << 20).ToString(), l[4]);
        Assert.Equal("clean", l[5]);
    }

    [Fact]
    public void Growfs_OfAMountedOrOpenVolume_IsEBUSY_AndInfoSaysWhereItIsMounted()
    {
        string seen = _tree.Ok($$"""
            P="$M/pools/{{_pool}}"; H="$S/pools/{{_pool}}"
            truncate -s 64M "$P/volumes/m.raw"
            mkfs.ext4 -q -F "$H/m.raw" 32M
            mkdir -p "$W/m"
            loop=$(losetup -f --show "$H/m.raw")
            mount "$loop" "$W/m"
            grep '^Mounted:' "$P/vol/m.raw/info" | sed "s|$loop|LOOP|; s|$W|W|"
            echo growfs 2> "$W/m.err" > "$P/vol/m.raw/ctl" && echo grew
            sed "s|$loop|LOOP|; s|$W|W|" "$W/m.err"
            umount "$W/m"
            grep '^Mounted:' "$P/vol/m.raw/info" | sed "s|$loop|LOOP|"
            losetup -d "$loop"
            exec 3< "$P/volumes/m.raw"
            echo growfs 2>&1 > "$P/vol/m.raw/ctl" | sed 's/.*: //' && echo grew
            exec 3<&-
            dumpe2fs -h "$H/m.raw" 2>/dev/null | awk -F: '/^Block count/{print $2+0}'
            """, TimeSpan.FromMinutes(2));
        string[] l = seen.Split('\n');
        Assert.Equal("Mounted:        yes, at W/m (via LOOP)", l[0]);
        Assert.Contains("Device or resource busy", l[1], StringComparison.Ordinal);
        Assert.Equal("Mounted:        no (attached to LOOP)", l[2]);
        Assert.Equal("Device or resource busy", l[3]);
        Assert.Equal((32L << 20 >> 10).ToString(), l[4]);
    }

    [Fact]
    public void Growfs_OfAQcow2Volume_SaysPlainlyItNeedsARawVolume_AndInfoShowsTheBackingChain()
    {
        string seen = _tree.Ok($$"""
            P="$M/pools/{{_pool}}"; H="$S/pools/{{_pool}}"
            echo "<volume><name>base.qcow2</name><capacity unit='M'>64</capacity><target><format type='qcow2'/></target></volume>" > "$P/create"
            qemu-img create -q -f qcow2 -F qcow2 -b "$H/base.qcow2" "$H/top.qcow2"
            echo refresh > "$M/pools/{{_pool}}/ctl"
            grep -E '^(Filesystem|Backing):' "$P/vol/top.qcow2/info"
            echo growfs 2> "$W/q.err" > "$P/vol/top.qcow2/ctl" && echo grew
            cat "$W/q.err"
            tail -n1 "$M/errors" | grep -o 'msg=.*raw volumes only'
            """);
        string[] l = seen.Split('\n');
        Assert.Equal("Filesystem:     not probed: inside a qcow2 container", l[0]);
        Assert.Equal($"Backing:        {_tree.StateDir}/pools/{_pool}/base.qcow2 (qcow2)", l[1]);
        Assert.Contains("Operation not supported", l[2], StringComparison.Ordinal);
        Assert.StartsWith("msg=EOPNOTSUPP", l[3], StringComparison.Ordinal);
    }

    [Fact]
    public void Info_NamesSwapVfatLvmAndPartitionTables_FromTheFirstBlocks()
    {
        string seen = _tree.Ok($$"""
            P="$M/pools/{{_pool}}"; H="$S/pools/{{_pool}}"
            for v in s v l g z; do truncate -s 64M "$P/volumes/$v.raw"; done
            mkswap -q "$H/s.raw" >/dev/null
            mkfs.vfat "$H/v.raw" >/dev/null
            pvcreate -q --devicesfile "" --norestorefile "$H/l.raw" >/dev/null 2>&1 || printf 'LABELONE\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0LVM2 001' | dd of="$H/l.raw" bs=1 seek=512 conv=notrunc status=none
            parted -s "$H/g.raw" mklabel gpt
            for v in s v l g z; do grep '^Filesystem:' "$P/vol/$v.raw/info"; done
            """);
        Assert.Equal(
            "Filesystem:     swap\nFilesystem:     vfat\nFilesystem:     LVM2_member\nFilesystem:     gpt partition table\nFilesystem:     none\n",
            seen);
    }

    [Fact]
    public void Node_ListsAllowedDirectoriesWithReflinkAsTheHostAnswersIt_MkfsAndCompressors()
    {
        string seen = _tree.Ok("""
            cat "$M/node"
            echo ---
            printf x > "$S/reflink-a"
            if cp --reflink=always "$S/reflink-a" "$S/reflink-b" 2>/dev/null; then echo yes; else echo no; fi
            rm -f "$S/reflink-a" "$S/reflink-b"
            """);
        string[] parts = seen.Split("---\n");
        string node = parts[0];
        string reflink = parts[1].Trim();
        Assert.Matches(@"(?m)^Mkfs: +.*\bext4\b.*\bxfs\b", node);
        Assert.Matches(@"(?m)^Mkfs: +.*\bbtrfs\b", node);
        Assert.Matches(@"(?m)^Compressors: +zstd gzip lzop xz$", node);
        string block = node.Split("\n\n").Single(b => b.StartsWith($"Directory:      {_tree.StateDir}\n", StringComparison.Ordinal));
        Assert.Matches(@"(?m)^Capacity: +[1-9][0-9]* bytes$", block);
        Assert.Matches(@"(?m)^Available: +[0-9]+ bytes$", block);
        Assert.Contains($"Reflink:        {reflink}\n", block, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^Volume groups: ", node);
    }

    /// <summary>
    /// Ctrl-C on the writer of a growfs of xfs cancels the job (the child with the private mount
    /// is killed): whichever moment it lands, the filesystem is whole (old size or new, xfs_repair
    /// finds nothing), no loop device stays attached, nothing was ever mounted on the host, and
    /// the volume is free again.
    /// </summary>
    [Fact]
    public void Growfs_InterruptedByCtrlC_LeavesAWholeFilesystem_NoLoopDevice_NoHostMount()
    {
        string seen = _tree.Ok($$"""
            P="$M/pools/{{_pool}}"; H="$S/pools/{{_pool}}"
            truncate -s 64G "$P/volumes/c.raw"
            mkfs.xfs -q -f -d size=320m "$H/c.raw"
            env --default-signal=INT bash -c 'echo growfs > "$1"' _ "$P/vol/c.raw/ctl" 2> "$W/c.err" &
            writer=$!
            sleep 0.2
            kill -s INT $writer 2>/dev/null || true   # the grow may already be over: then "finished"
            rc=0; wait $writer || rc=$?
            [ $rc -ne 0 ] && echo interrupted || echo finished
            for i in $(seq 200); do [ -z "$(losetup -j "$H/c.raw")" ] && ! grep -q running "$M"/jobs/*/state && break; sleep 0.05; done
            size=$(xfs_db -r -c 'sb 0' -c 'p dblocks blocksize' "$H/c.raw" | awk '{v[NR]=$3} END{printf "%.0f\n", v[1]*v[2]}')
            case $size in {{320L << 20}}|{{64L << 30}}) echo whole-size ;; *) echo "size=$size" ;; esac
            xfs_repair -n "$H/c.raw" >/dev/null 2>&1 && echo clean
            losetup -j "$H/c.raw" | wc -l
            ! grep -qE ' - tmpfs storagefs-fs ' /proc/self/mountinfo && echo no-host-mount
            job=$(grep -l '^Operation: *VolumeGrowFs' "$M"/jobs/*/info | xargs grep -l "^Object: *{{_pool}}/c.raw$" | tail -n1)
            cat "$(dirname "$job")/state"
            echo growfs > "$P/vol/c.raw/ctl" && echo free-again
            rm "$P/volumes/c.raw"
            """, TimeSpan.FromMinutes(2));
        string[] l = seen.Split('\n');
        Assert.Contains(l[0], new[] { "interrupted", "finished" });
        Assert.Equal("whole-size", l[1]);
        Assert.Equal("clean", l[2]);
        Assert.Equal("0", l[3]);
        Assert.Equal("no-host-mount", l[4]);
        // Interrupted, the job is cancelled; a writer that lost the race saw it done.
        Assert.Equal(l[0] == "interrupted" ? "cancelled" : "done", l[5]);
        Assert.Equal("free-again", l[6]);
    }

    /// <summary>
    /// A block volume (a disk pool's partition on a loop device): growfs works on the device's
    /// bytes the same way (a loop device over the partition's descriptor), and a mount of the
    /// partition shows in info and refuses growfs with EBUSY.
    /// </summary>
    [Fact]
    public void Growfs_OfADiskPoolPartition_GrowsItsExt4_AndAMountOfThePartitionIsEBUSY()
    {
        string pool = _tree.NewName("fsdisk");
        string seen = _tree.Ok($$"""
            truncate -s 96M "$W/{{pool}}.img"
            dev=$(losetup --find --show "$W/{{pool}}.img")
            cleanup() {
              umount "$W/{{pool}}.mnt" 2>/dev/null || true
              for i in $(seq 50); do echo stop > "$M/pools/{{pool}}/ctl" 2>/dev/null && break; sleep 0.1; done
              echo "undefine {{pool}}" > "$M/pools/{{pool}}/ctl" || true
              for i in $(seq 50); do losetup -d "$dev" 2>/dev/null || true; losetup "$dev" >/dev/null 2>&1 || break; sleep 0.2; done
              rm -f "$W/{{pool}}.img"
            }
            trap cleanup EXIT
            echo "<pool type='disk'><name>{{pool}}</name><source><device path='$dev'/><format type='gpt'/></source><target><path>/dev</path></target></pool>" > "$M/define"
            echo build > "$M/pools/{{pool}}/ctl"
            echo start > "$M/pools/{{pool}}/ctl"
            part=$(basename "$dev")p1
            echo "<volume><name>$part</name><capacity unit='MiB'>48</capacity></volume>" > "$M/pools/{{pool}}/create"
            mkfs.ext4 -q -F "/dev/$part" 16M
            grep -E '^(Filesystem|Mounted):' "$M/pools/{{pool}}/vol/$part/info"
            echo growfs > "$M/pools/{{pool}}/vol/$part/ctl"
            dumpe2fs -h "/dev/$part" 2>/dev/null | awk -F: '/^Block count/{c=$2} /^Block size/{b=$2} END{printf "%.0f\n", c*b}'
            mkdir -p "$W/{{pool}}.mnt"
            mount "/dev/$part" "$W/{{pool}}.mnt"
            grep '^Mounted:' "$M/pools/{{pool}}/vol/$part/info" | sed "s|$W|W|"
            echo growfs 2>&1 > "$M/pools/{{pool}}/vol/$part/ctl" | sed 's/.*: //' || true
            """, TimeSpan.FromMinutes(2));
        string[] l = seen.Split('\n');
        Assert.Equal("Filesystem:     ext4", l[0]);
        Assert.Equal("Mounted:        no", l[1]);
        Assert.Equal((48L << 20).ToString(), l[2]);
        Assert.Equal($"Mounted:        yes, at W/{pool}.mnt", l[3]);
        Assert.Equal("Device or resource busy", l[4]);
    }
}
