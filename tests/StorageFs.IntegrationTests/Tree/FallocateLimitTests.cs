namespace StorageFs.IntegrationTests.Tree;

/// <summary>
/// As observed on this kernel (6.18, docs/TREE.md "What the kernel keeps from
/// us"): the modes FUSE forwards (allocate, keep size, punch hole, zero range) reach the host file;
/// collapse range, insert range and FS_IOC_FIEMAP are refused by the kernel with EOPNOTSUPP before
/// any request reaches StorageFs, while the same calls on the host path (ext4) work. If a kernel
/// ever lets them through, this test fails and the forwarding (BackingFileHandle.Fallocate passes
/// the mode on) makes them work.
/// </summary>
public sealed class FallocateLimitTests(TreeFixture fixture) : IClassFixture<TreeFixture>
{
    private readonly TreeMount _tree = fixture.Mount;

    /// <summary>Prints "fiemap ok N" (extents) or "fiemap ERRNO" for FS_IOC_FIEMAP on $1.</summary>
    private const string Fiemap = """
        fiemap() { python3 -c '
        import fcntl, struct, sys
        f = open(sys.argv[1], "rb")
        buf = bytearray(struct.pack("QQIIII", 0, 2**64 - 1, 0, 0, 0, 0) + bytes(56 * 4))
        try:
            fcntl.ioctl(f, 0xC020660B, buf); print("fiemap ok", struct.unpack_from("I", buf, 20)[0])
        except OSError as e:
            print("fiemap", e.strerror)
        ' "$1"; }
        try() { if out=$(fallocate "$@" 2>&1); then echo ok; else echo "${out##*: }"; fi; }
        """;

    [Theory]
    [InlineData("item")]
    [InlineData("volume")]
    public void ForwardedModesWork_WhileCollapseInsertAndFiemapAreRefusedByTheKernel_ButWorkOnTheHostPath(string where)
    {
        string n = _tree.NewName("fa");
        string make = where == "volume"
            ? $"""
                echo "{_tree.PoolXml(n)}" > "$M/define"
                echo build > "$M/pools/{n}/ctl"; echo start > "$M/pools/{n}/ctl"
                head -c 262144 /dev/urandom > "$M/pools/{n}/volumes/v.raw"
                F="$M/pools/{n}/volumes/v.raw"; H=$(cat "$M/pools/{n}/vol/v.raw/path")
                """
            : $"""
                echo '<fspool type="dir"><name>{n}</name><target><path>'"$S/pools/{n}"'</path></target></fspool>' > "$M/define"
                echo build > "$M/fspools/{n}/ctl"; echo start > "$M/fspools/{n}/ctl"
                mkdir "$M/fspools/{n}/items/i"
                head -c 262144 /dev/urandom > "$M/fspools/{n}/items/i/f"
                F="$M/fspools/{n}/items/i/f"; H="$S/pools/{n}/i/f"
                """;
        string seen = _tree.Ok($"""
            {Fiemap}
            {make}
            echo "punch $(try -p -o 4096 -l 4096 "$F") zero $(try -z -o 8192 -l 4096 "$F") keep $(try -n -o 262144 -l 65536 "$F") grow $(try -o 262144 -l 65536 "$F")"
            echo "size $(stat -c %s "$F") blocks-zeroed $(cmp -n 4096 -i 4096:0 "$F" /dev/zero >/dev/null && echo yes)"
            echo "mount: collapse $(try -c -o 0 -l 4096 "$F") insert $(try -i -o 0 -l 4096 "$F") $(fiemap "$F")"
            echo "size $(stat -c %s "$F")"
            echo "host: collapse $(try -c -o 0 -l 4096 "$H") insert $(try -i -o 0 -l 4096 "$H") $(fiemap "$H" | cut -d' ' -f1,2)"
            """);
        Assert.Equal("""
            punch ok zero ok keep ok grow ok
            size 327680 blocks-zeroed yes
            mount: collapse Operation not supported insert Operation not supported fiemap Operation not supported
            size 327680
            host: collapse ok insert ok fiemap ok

            """, seen);
    }
}
