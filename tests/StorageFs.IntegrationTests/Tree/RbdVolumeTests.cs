namespace StorageFs.IntegrationTests.Tree;

/// <summary>
/// rbd volumes through a real mount: images of a private Ceph cluster as regular
/// files served by the daemon through librbd, driven with cp, dd, cmp, truncate, fallocate,
/// python's lseek and qemu-img; every byte checked against <c>rbd export</c>.
/// </summary>
[Collection("ceph")]
public sealed class RbdVolumeTests(RbdFixture fixture)
{
    private readonly TreeMount _tree = fixture.Mount;
    private readonly CephCluster _ceph = fixture.Cluster;
    private readonly string _p = fixture.Pool;

    [CephFact]
    public void Cp_CreatesAnImage_HoldingTheFilesBytes_AndTheFileReadsThemBack()
    {
        string v = _tree.NewName("cp");
        _tree.Ok($"""
            head -c 20000000 /dev/urandom > "$W/{v}.raw"
            cp "$W/{v}.raw" "$M/pools/{_p}/volumes/{v}"
            test "$(stat -c '%s %F' "$M/pools/{_p}/volumes/{v}")" = "20000000 regular file"
            {_ceph.RbdCommand} export --no-progress {_ceph.Pool}/{v} - | cmp - "$W/{v}.raw"
            cmp "$W/{v}.raw" "$M/pools/{_p}/volumes/{v}"
            test "$(stat -c %o "$M/pools/{_p}/volumes/{v}")" = 4194304
            # Eight readers at once on one image, each its own open: all see the same bytes.
            pids=""
            for i in 1 2 3 4 5 6 7 8; do cmp "$W/{v}.raw" "$M/pools/{_p}/volumes/{v}" & pids="$pids $!"; done
            for p in $pids; do wait "$p"; done
            # O_DIRECT reads with 16 requests in flight (fio libaio) read the same bytes.
            fio --name=r --filename="$M/pools/{_p}/volumes/{v}" --ioengine=libaio --direct=1 --iodepth=16 --bs=64k \
                --rw=read --size=19922944 --verify=0 --output=/dev/null
            """);
        string info = _ceph.Rbd("info", $"{_ceph.Pool}/{v}");
        Assert.Contains("size 19 MiB", info, StringComparison.Ordinal);
        Assert.Contains("format: 2", info, StringComparison.Ordinal);
        Assert.Contains("features: layering, exclusive-lock, object-map, fast-diff, deep-flatten", info, StringComparison.Ordinal);
        string vol = _tree.Ok($"cat \"$M/pools/{_p}/vol/{v}/info\"");
        Assert.Contains("Type:           network", vol, StringComparison.Ordinal);
        Assert.Contains("Capacity:       20000000 bytes", vol, StringComparison.Ordinal);
    }

    [CephFact]
    public void DdInTheMiddle_FsyncAndQemuImg_ChangeExactlyThoseBytes_OfTheImage()
    {
        string v = _tree.NewName("dd");
        _ceph.Rbd("create", "--size", "32M", $"{_ceph.Pool}/{v}");
        _tree.Ok($"""
            ls "$M/pools/{_p}/volumes" | grep -qx {v}
            head -c 32M /dev/zero > "$W/{v}.want"
            head -c 3M /dev/urandom > "$W/{v}.mid"
            dd if="$W/{v}.mid" of="$M/pools/{_p}/volumes/{v}" bs=64K seek=100 conv=notrunc,fsync status=none
            dd if="$W/{v}.mid" of="$W/{v}.want" bs=64K seek=100 conv=notrunc status=none
            printf 'storagefs' | dd of="$M/pools/{_p}/volumes/{v}" bs=1 seek=12345677 conv=notrunc status=none
            printf 'storagefs' | dd of="$W/{v}.want" bs=1 seek=12345677 conv=notrunc status=none
            {_ceph.RbdCommand} export --no-progress {_ceph.Pool}/{v} - | cmp - "$W/{v}.want"
            dd if="$W/{v}.want" of="$M/pools/{_p}/volumes/{v}" bs=4M iflag=direct oflag=direct conv=notrunc status=none
            qemu-img convert -f raw -O raw "$M/pools/{_p}/volumes/{v}" "$W/{v}.out"
            cmp "$W/{v}.want" "$W/{v}.out"
            head -c 32M /dev/urandom > "$W/{v}.new"
            qemu-img convert -n -f raw -O raw "$W/{v}.new" "$M/pools/{_p}/volumes/{v}"
            {_ceph.RbdCommand} export --no-progress {_ceph.Pool}/{v} - | cmp - "$W/{v}.new"
            """);
        // A shrinking truncate and an O_TRUNC open lose nothing.
        _tree.Fails($"truncate -s 1M \"$M/pools/{_p}/volumes/{v}\"", "Operation not permitted");
        _tree.Fails($"echo x > \"$M/pools/{_p}/volumes/{v}\"", "Operation not permitted");
        _tree.Ok($"{_ceph.RbdCommand} export --no-progress {_ceph.Pool}/{v} - | cmp - \"$W/{v}.new\"");
    }

    [CephFact]
    public void PunchHole_Discards_AndSeekDataAndHole_FollowTheImagesExtents()
    {
        string v = _tree.NewName("sparse");
        _ceph.Rbd("create", "--size", "64M", $"{_ceph.Pool}/{v}");
        string f = $"pools/{_p}/volumes/{v}";
        _tree.Ok($"""
            head -c 16M /dev/urandom | dd of="$M/{f}" bs=1M conv=notrunc,fsync status=none
            head -c 4M /dev/urandom | dd of="$M/{f}" bs=1M seek=40 conv=notrunc,fsync status=none
            fallocate -p -o 4M -l 8M "$M/{f}"
            cmp -n 8M -i 0:4M /dev/zero "$M/{f}"
            """);
        string seeks = _tree.Ok($$"""
            python3 - "$M/{{f}}" <<'PY'
            import os, sys
            fd = os.open(sys.argv[1], os.O_RDONLY)
            M = 1 << 20
            out = [os.lseek(fd, 0, os.SEEK_HOLE) // M, os.lseek(fd, 5 * M, os.SEEK_DATA) // M,
                   os.lseek(fd, 13 * M, os.SEEK_HOLE) // M, os.lseek(fd, 17 * M, os.SEEK_DATA) // M,
                   os.lseek(fd, 41 * M, os.SEEK_HOLE) // M]
            try:
                os.lseek(fd, 45 * M, os.SEEK_DATA); out.append('data')
            except OSError as e:
                out.append(e.errno)
            print(*out)
            PY
            """);
        // Whole 4 MiB objects: data 0-4, hole 4-12 (punched), data 12-16, hole to 40, data 40-44.
        Assert.Equal("4 12 16 40 44 6\n", seeks);
        string du = _ceph.Rbd("du", $"{_ceph.Pool}/{v}");
        Assert.Contains("12 MiB", du, StringComparison.Ordinal);
    }

    [CephFact]
    public void GrowingTruncate_ResizesTheImage_AndTheNewTailReadsZeros()
    {
        string v = _tree.NewName("grow");
        _ceph.Rbd("create", "--size", "4M", $"{_ceph.Pool}/{v}");
        _tree.Ok($"""
            truncate -s 12M "$M/pools/{_p}/volumes/{v}"
            test "$(stat -c %s "$M/pools/{_p}/volumes/{v}")" = 12582912
            cmp -n 8M -i 0:4M /dev/zero "$M/pools/{_p}/volumes/{v}"
            """);
        Assert.Contains("size 12 MiB", _ceph.Rbd("info", $"{_ceph.Pool}/{v}"), StringComparison.Ordinal);
    }
}
