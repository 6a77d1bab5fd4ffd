namespace StorageFs.IntegrationTests.Tree;

/// <summary>
/// Volumes that are block devices, through a real mount: a disk pool
/// on a loop device, its GPT written by parted (which registers each partition with the kernel
/// through BLKPG, so loopNpM nodes exist on this kernel without partition parsers). A partition
/// is a regular file in <c>volumes/</c>, its size the device's, its bytes the device's, served by
/// the daemon from the descriptor the backend opened (the kernel takes only regular files as
/// passthrough backing). Each test has its own loop device and pool, removed at the end.
/// </summary>
public sealed class BlockVolumeTests : IClassFixture<TreeFixture>
{
    private readonly TreeMount _tree;

    public BlockVolumeTests(TreeFixture fixture) => _tree = fixture.Mount;

    // Makes a sparse image of SIZE, a loop device over it and a running GPT disk pool on it;
    // prints "POOL LOOP" (the loop device's name without /dev/).
    private (string Pool, string Loop) NewDiskPool(string size)
    {
        Preflight.RequireTool("parted", "parted");
        Preflight.RequireTool("losetup", "mount");
        string pool = _tree.NewName("disk");
        // A failure after losetup detaches the device before the test fails.
        string loop = _tree.Ok($"""
            truncate -s {size} "$W/{pool}.img"
            dev=$(losetup --find --show "$W/{pool}.img")
            trap 'losetup -d "$dev"; rm -f "$W/{pool}.img"' ERR
            echo "<pool type='disk'><name>{pool}</name><source><device path='$dev'/><format type='gpt'/></source><target><path>/dev</path></target></pool>" > "$M/define"
            echo build > "$M/pools/{pool}/ctl"
            echo start > "$M/pools/{pool}/ctl"
            basename "$dev"
            """).Trim();
        return (pool, loop);
    }

    // Stops and undefines the pool, then detaches the loop device (retrying while udev holds it).
    // (The kernel sends RELEASE after close(2) returns, so the last open may still hold the pool
    // busy for a moment: stop is retried.)
    private void Remove(string pool, string loop) =>
        _tree.Sh($"""
            for i in $(seq 50); do echo stop > "$M/pools/{pool}/ctl" 2>/dev/null && break; sleep 0.1; done
            echo "undefine {pool}" > "$M/pools/{pool}/ctl"
            for i in $(seq 50); do
              losetup -d /dev/{loop} 2>/dev/null || true
              losetup /dev/{loop} >/dev/null 2>&1 || break
              sleep 0.2
            done
            rm -f "$W/{pool}.img"
            """);

    [Fact]
    public void Partition_IsARegularFileOfTheDeviceSize_WhoseBytesAreTheDevices()
    {
        var (pool, loop) = NewDiskPool("64M");
        try
        {
            string result = _tree.Ok($$"""
                V="$M/pools/{{pool}}/volumes/{{loop}}p1"
                echo "<volume><name>{{loop}}p1</name><capacity unit='MiB'>16</capacity></volume>" > "$M/pools/{{pool}}/create"
                stat -c '%F %s' "$V"
                head -c 16M /dev/urandom > "$W/{{pool}}.data"
                # Written through the tree (fsync'd), read from the device node and back.
                dd if="$W/{{pool}}.data" of="$V" bs=1M conv=notrunc,fsync status=none
                cmp "$W/{{pool}}.data" /dev/{{loop}}p1 && echo "device holds what was written"
                cmp "$W/{{pool}}.data" "$V" && echo "volume reads it back"
                # Written on the device, seen through the tree (cat, and dd from an offset: lseek).
                printf 'written-on-the-host' | dd of=/dev/{{loop}}p1 bs=1 seek=5000000 conv=notrunc,fsync status=none
                dd if="$V" bs=1 skip=5000000 count=19 status=none; echo
                cat "$V" | cmp - /dev/{{loop}}p1 && echo "cat gives the device's bytes"
                python3 -c 'import os,sys; fd=os.open(sys.argv[1], os.O_RDONLY); print("SEEK_END", os.lseek(fd, 0, os.SEEK_END)); os.close(fd)' "$V"
                """, TimeSpan.FromSeconds(120));

            Assert.Equal($"""
                regular file 16777216
                device holds what was written
                volume reads it back
                written-on-the-host
                cat gives the device's bytes
                SEEK_END 16777216

                """, result);
        }
        finally
        {
            Remove(pool, loop);
        }
    }

    [Fact]
    public void Partition_WritePastTheEnd_IsENOSPC_AndTruncateToAnotherSize_IsEPERM_WithAHint()
    {
        var (pool, loop) = NewDiskPool("64M");
        string name = loop + "p1";
        string path = $"pools/{pool}/volumes/{name}";
        try
        {
            _tree.Ok($"""echo "<volume><name>{name}</name><capacity unit='MiB'>8</capacity></volume>" > "$M/pools/{pool}/create" """);

            _tree.Fails($"""dd if=/dev/zero of="$M/{path}" bs=1M seek=8 count=1 conv=notrunc status=none""", "No space left on device");
            _tree.Fails($"""truncate -s 4M "$M/{path}" """, "Operation not permitted");
            string line = _tree.AssertLastError(path, "EPERM", op: "truncate");
            Assert.Contains($"'resize SIZE' in vol/{name}/ctl", line, StringComparison.Ordinal);
            _tree.Fails($"""truncate -s 9M "$M/{path}" """, "Operation not permitted");
            // O_TRUNC would be a truncate to 0: refused the same way, with the way around it.
            _tree.Fails($"""echo x > "$M/{path}" """, "Operation not permitted");
            Assert.Contains("conv=notrunc", _tree.AssertLastError(path, "EPERM", op: "open"), StringComparison.Ordinal);
            // To the size it has: nothing to do, as truncate(1) of a file to its size.
            _tree.Ok($"""truncate -s 8M "$M/{path}" """);

            Assert.Equal("8388608 8388608\n", _tree.Ok($"""echo "$(stat -c %s "$M/{path}") $(blockdev --getsize64 /dev/{name})" """));
        }
        finally
        {
            Remove(pool, loop);
        }
    }

    [Fact]
    public void CpOfAnImage_CreatesAPartitionOfItsSize_AndFillsIt_HolesReadingZero()
    {
        var (pool, loop) = NewDiskPool("128M");
        string name = loop + "p2";
        try
        {
            string result = _tree.Ok($$"""
                echo "<volume><name>{{loop}}p1</name><capacity unit='MiB'>8</capacity></volume>" > "$M/pools/{{pool}}/create"
                # Old bytes where the new partition will go: a hole the copy skips must read zero.
                dd if=/dev/urandom of=/dev/{{loop}} bs=1M seek=20 count=80 conv=notrunc,fsync status=none
                # A sparse 40 MiB image: data at the start, a hole, data in the middle, a hole at the end.
                truncate -s 40M "$W/{{pool}}.raw"
                head -c 3M /dev/urandom | dd of="$W/{{pool}}.raw" conv=notrunc status=none
                head -c 1M /dev/urandom | dd of="$W/{{pool}}.raw" bs=1M seek=17 conv=notrunc status=none
                cp "$W/{{pool}}.raw" "$M/pools/{{pool}}/volumes/{{name}}"
                stat -c '%F %s' "$M/pools/{{pool}}/volumes/{{name}}"
                blockdev --getsize64 /dev/{{name}}
                cmp "$W/{{pool}}.raw" "$M/pools/{{pool}}/volumes/{{name}}" && echo "volume equals the image"
                cmp "$W/{{pool}}.raw" /dev/{{name}} && echo "partition equals the image"
                parted -s -m /dev/{{loop}} unit B print | grep '^2:' | cut -d: -f4
                grep "^Capacity:" "$M/pools/{{pool}}/vol/{{name}}/info"
                """, TimeSpan.FromSeconds(120));

            Assert.Equal("""
                regular file 41943040
                41943040
                volume equals the image
                partition equals the image
                41943040B
                Capacity:       41943040 bytes

                """, result);
        }
        finally
        {
            Remove(pool, loop);
        }
    }

    [Fact]
    public void CreatedPartition_RoundsToSectors_EmptyKeepsOneMiB_AndACopyPastTheFreeSpaceIsENOSPC()
    {
        var (pool, loop) = NewDiskPool("64M");
        try
        {
            string result = _tree.Ok($$"""
                V="$M/pools/{{pool}}/volumes"
                # 1000 bytes: the partition holds two 512-byte sectors, the last 24 bytes zero.
                head -c 1000 /dev/urandom > "$W/{{pool}}.small"
                cp "$W/{{pool}}.small" "$V/{{loop}}p1"
                stat -c %s "$V/{{loop}}p1"
                cmp -n 1000 "$W/{{pool}}.small" "$V/{{loop}}p1" && echo "first 1000 bytes are the file's"
                tail -c 24 "$V/{{loop}}p1" | od -An -tx1 | tr -d ' \n'; echo
                # Nothing written: 1 MiB of zeros.
                touch "$V/{{loop}}p2"
                stat -c %s "$V/{{loop}}p2"
                cmp "$V/{{loop}}p2" <(head -c 1M /dev/zero) && echo "empty one reads zeros"
                # More than the rest of the disk: ENOSPC, and the partition keeps what fit.
                if head -c 80M /dev/zero | dd of="$V/{{loop}}p3" bs=1M iflag=fullblock status=none 2>"$W/{{pool}}.err"; then echo "fit?"; fi
                grep -o "No space left on device" "$W/{{pool}}.err"
                """, TimeSpan.FromSeconds(120));

            Assert.Equal("""
                1024
                first 1000 bytes are the file's
                000000000000000000000000000000000000000000000000
                1048576
                empty one reads zeros
                No space left on device

                """, result);
        }
        finally
        {
            Remove(pool, loop);
        }
    }

    [WithoutDeviceMapperFact]
    public void LogicalPool_WithoutDeviceMapper_RefusesDataWithEOPNOTSUPP_InOneSentence()
    {
        Preflight.RequireTool("pvcreate", "lvm2");
        Preflight.RequireTool("losetup", "mount");
        string pool = _tree.NewName("lv");
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
            string path = $"pools/{pool}/volumes/v";
            _tree.Fails($"""cp /etc/hostname "$M/{path}" """, "Operation not supported");
            string line = _tree.AssertLastError(path, "EOPNOTSUPP", op: "create");
            Assert.Contains("this kernel has no device-mapper", line, StringComparison.Ordinal);
            Assert.DoesNotContain("lvcreate", line, StringComparison.Ordinal);
            Assert.DoesNotContain("--size", line, StringComparison.Ordinal);

            // An LV made with a size (metadata only here) cannot be read either, for the same reason.
            _tree.Ok($"""echo "<volume><name>w</name><capacity unit='MiB'>4</capacity></volume>" > "$M/pools/{pool}/create" """);
            _tree.Fails($"""cat "$M/pools/{pool}/volumes/w" """, "Operation not supported");
            Assert.Contains("no device-mapper", _tree.AssertLastError($"pools/{pool}/volumes/w", "EOPNOTSUPP", op: "open"), StringComparison.Ordinal);
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
}
