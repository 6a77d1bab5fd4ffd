namespace StorageFs.IntegrationTests.Backing;

/// <summary>
/// backing/ mirrors a host directory; the same behaviour must hold whether the kernel moves the
/// bytes itself (FUSE passthrough) or the daemon does with pread/pwrite. One suite, run once per
/// mode by the sealed classes below it (go-fuse posixtest style). The daemons run with -v, so
/// the log shows which requests reached them.
/// </summary>
public abstract class BackingSuite(DemoMount mount, bool passthrough)
{
    /// <summary>Trace lines of data requests (Dispatcher: "{Op} unique={Unique} node=…").</summary>
    private const string ReadTrace = " READ unique=", WriteTrace = " WRITE unique=", GetxattrTrace = " GETXATTR unique=";

    protected DemoMount Mount { get; } = mount;

    [Fact]
    public void DaemonLog_ReportsPassthroughOnlyWhenItIsWanted()
    {
        // This kernel (6.18, protocol 7.45) supports passthrough and the tests run as root, so
        // a False here in passthrough mode means the engine lost it during INIT.
        Assert.True(passthrough == Mount.Daemon.Passthrough,
            $"expected the ready line to say passthrough {passthrough}\n--- daemon log ---\n{Mount.Daemon.Log}");
    }

    [Fact]
    public void DdThroughTheMount_WritesTheSameBytesIntoTheHostFile()
    {
        Mount.Ok("""
            dd if=/dev/urandom of="$W/ddw.src" bs=1M count=16 status=none
            dd if="$W/ddw.src" of="$M/backing/ddw" bs=1M conv=fsync status=none
            cmp "$W/ddw.src" "$H/ddw"
            rm "$W/ddw.src"
            """);
    }

    [Fact]
    public void HostWrite_IsReadBackThroughTheMount()
    {
        Mount.Ok("""
            dd if=/dev/urandom of="$H/hostw" bs=1M count=16 status=none
            cmp "$H/hostw" "$M/backing/hostw"
            """);
    }

    [Fact]
    public void HostRewrite_AfterAReadThroughTheMount_IsSeenOnTheNextOpen()
    {
        string result = Mount.Ok("""
            printf 'first version\n' > "$H/rewrite"
            cat "$M/backing/rewrite"
            printf 'SECOND VERSION\n' > "$H/rewrite"
            cat "$M/backing/rewrite"
            """);

        Assert.Equal("first version\nSECOND VERSION\n", result);
    }

    [Fact]
    public void Truncate_ThroughTheMount_ResizesTheHostFile()
    {
        string result = Mount.Ok("""
            printf abcdef > "$M/backing/trunc"
            truncate -s 3 "$M/backing/trunc"
            stat -c %s "$H/trunc"
            truncate -s 8 "$M/backing/trunc"
            stat -c %s "$H/trunc" "$M/backing/trunc"
            od -An -c "$H/trunc"
            """);
        string[] lines = result.Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(["3", "8", "8"], lines[..3]);
        Assert.Equal("a b c \\0 \\0 \\0 \\0 \\0", string.Join(' ', lines[3].Split(' ', StringSplitOptions.RemoveEmptyEntries)));
    }

    [Fact]
    public void CpReflinkAuto_Of20MiBInsideBacking_ProducesIdenticalBytes()
    {
        Mount.Ok("""
            dd if=/dev/urandom of="$H/reflink.src" bs=1M count=20 status=none
            cp --reflink=auto "$M/backing/reflink.src" "$M/backing/reflink.dst"
            cmp "$H/reflink.src" "$H/reflink.dst"
            cmp "$H/reflink.src" "$M/backing/reflink.dst"
            """, timeout: TimeSpan.FromSeconds(60));
    }

    [Fact]
    public void EchoAppend_ThroughTheMount_AppendsToTheHostFile()
    {
        string result = Mount.Ok("""
            echo one > "$M/backing/append"
            echo two >> "$M/backing/append"
            echo three >> "$M/backing/append"
            cat "$H/append"
            """);

        Assert.Equal("one\ntwo\nthree\n", result);
    }

    [Fact]
    public void MkdirMvRmRmdir_InsideBacking_ChangeTheHostDirectory()
    {
        string result = Mount.Ok("""
            mkdir "$M/backing/ns"
            echo payload > "$M/backing/ns/a"
            mv "$M/backing/ns/a" "$M/backing/ns/b"
            ls "$H/ns"
            cat "$H/ns/b"
            rm "$M/backing/ns/b"
            ls -A "$H/ns" | wc -l
            rmdir "$M/backing/ns"
            if [ -e "$H/ns" ]; then echo ns still on the host; fi
            """);

        Assert.Equal("b\npayload\n0\n", result);
    }

    [Fact]
    public void Rmdir_OfANonEmptyBackingDirectory_FailsWithDirectoryNotEmpty()
    {
        Mount.Ok("""mkdir -p "$H/full" && touch "$H/full/f" """);

        Mount.Fails("""rmdir "$M/backing/full" """, "Directory not empty");

        Assert.True(File.Exists(Path.Combine(Mount.RealDir, "full", "f")));
    }

    [Fact]
    public void Mv_FromTheMemoryTreeIntoBacking_CopiesAcrossTheBoundary()
    {
        // RENAME between the in-memory root and backing/ answers EXDEV; mv then copies and unlinks.
        string result = Mount.Ok("""
            echo crossing > "$M/cross"
            mv "$M/cross" "$M/backing/cross"
            cat "$H/cross"
            if [ -e "$M/cross" ]; then echo source still there; fi
            """);

        Assert.Equal("crossing\n", result);
    }

    [Fact]
    public void Stat_OfTheRoot_CountsBackingAsASubdirectory()
    {
        // POSIX nlink of a directory: 2 + its subdirectories (here backing/ alone).
        Assert.Equal("3\n", Mount.Ok("""stat -c %h "$M" """));
    }

    [Fact]
    public void ChmodAndTouchD_ThroughTheMount_ChangeTheHostFile()
    {
        string result = Mount.Ok("""
            echo x > "$M/backing/attrs"
            chmod 600 "$M/backing/attrs"
            touch -d '2001-02-03 04:05:06 UTC' "$M/backing/attrs"
            stat -c '%a %Y' "$H/attrs" "$M/backing/attrs"
            """);

        Assert.Equal("600 981173106\n600 981173106\n", result);
    }

    [Fact]
    public void Fallocate_ThroughTheMount_GrowsTheHostFile()
    {
        Assert.Equal("1048576\n", Mount.Ok("""fallocate -l 1M "$M/backing/falloc" && stat -c %s "$H/falloc" """));
    }

    [Fact]
    public void Setfattr_OnABackingFile_SetsTheHostFilesXattr_AndXattrsKeepWorkingForTheMount()
    {
        // backing/ files carry the host file's xattrs; an error answer must never be ENOSYS,
        // which would make the kernel stop sending SETXATTR for the whole mount (fc->no_setxattr).
        Mount.Ok("""echo x > "$M/backing/xattr" && touch "$M/xattr-after-backing" """);

        Assert.Equal("v", Mount.Ok("""setfattr -n user.k -v v "$M/backing/xattr" && getfattr --only-values -n user.k "$H/xattr" """));
        Mount.Fails("""getfattr -n user.missing "$M/backing/xattr" """, "No such attribute");

        Assert.Equal("v", Mount.Ok("""setfattr -n user.k -v v "$M/xattr-after-backing" && getfattr --only-values -n user.k "$M/xattr-after-backing" """));
    }

    [Fact]
    public void FileData_ReachesTheDaemonOnlyWithoutPassthrough()
    {
        Mount.Ok("""dd if=/dev/urandom of="$W/trace.src" bs=1M count=4 status=none""");
        int reads = Mount.Daemon.CountLogLines(ReadTrace), writes = Mount.Daemon.CountLogLines(WriteTrace);

        Mount.Ok("""
            dd if="$W/trace.src" of="$M/backing/trace" bs=1M conv=fsync status=none
            dd if="$M/backing/trace" iflag=direct bs=1M status=none | cmp - "$W/trace.src"
            """);

        int newReads = Mount.Daemon.CountLogLines(ReadTrace) - reads, newWrites = Mount.Daemon.CountLogLines(WriteTrace) - writes;
        string counts = $"{newReads} READ and {newWrites} WRITE requests reached the daemon (passthrough {passthrough})";
        if (passthrough)
            Assert.True(newReads == 0 && newWrites == 0, counts);
        else
            Assert.True(newReads > 0 && newWrites > 0, counts);
    }

    [Fact]
    public void Writes_DoNotAskTheDaemonForXattrsEachTime()
    {
        // Without FUSE_HANDLE_KILLPRIV_V2 the kernel sends GETXATTR security.capability before
        // every write (file_remove_privs); with it the inode is marked S_NOSEC after the first.
        Mount.Ok("""dd if=/dev/zero of="$M/backing/nosec" bs=1M count=1 status=none""");
        int before = Mount.Daemon.CountLogLines(GetxattrTrace);

        Mount.Ok("""dd if=/dev/zero of="$M/backing/nosec" bs=1M count=16 conv=notrunc status=none""");

        int asked = Mount.Daemon.CountLogLines(GetxattrTrace) - before;
        Assert.True(asked <= 1, $"{asked} GETXATTR requests for 16 writes (passthrough {passthrough})");
    }

    [Theory]
    [InlineData("write", "6777", "777")]
    [InlineData("truncate", "6777", "777")]
    [InlineData("write", "6767", "2767")] // the group may not execute: set-group-ID stays (VFS rule)
    public void SetUserAndGroupId_AreDropped_WhenAnotherUserModifiesTheFile(string change, string mode, string expected)
    {
        // The daemon is told (or, through passthrough, decides at open) and drops the bits, as
        // the VFS does for a writer without CAP_FSETID. The file is root's and writable by all.
        string file = $"sxid-{mode}-{change}";
        string command = change == "write"
            ? $"printf x | dd of=\"$M/backing/{file}\" conv=notrunc status=none"
            : $"truncate -s 1 \"$M/backing/{file}\"";
        string result = Mount.Ok($"""
            chmod o+x "$(dirname "$M")"
            printf data > "$H/{file}"
            chmod {mode} "$H/{file}"
            M="$M" setpriv --reuid=65534 --regid=65534 --clear-groups sh -c '{command}'
            stat -c %a "$H/{file}"
            """);

        Assert.Equal(expected + "\n", result);
    }

    [Fact]
    public void SetUserId_Stays_WhenRootWrites()
    {
        string result = Mount.Ok("""
            printf data > "$H/sxid-root"
            chmod 4755 "$H/sxid-root"
            printf x | dd of="$M/backing/sxid-root" conv=notrunc status=none
            stat -c %a "$H/sxid-root"
            """);

        Assert.Equal("4755\n", result);
    }
}
