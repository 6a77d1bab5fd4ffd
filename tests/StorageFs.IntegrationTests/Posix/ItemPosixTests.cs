using System.Text.RegularExpressions;
using StorageFs.IntegrationTests.Tree;

namespace StorageFs.IntegrationTests.Posix;

/// <summary>
/// An item behaves as the host filesystem underneath does (pjdfstest's
/// findings, each as our own test): a relative path of 4,095 bytes works whatever the item's
/// place on the host, an unlinked open file keeps its attributes and can be truncated and
/// chmodded, and stress-ng's filesystem stressors pass.
/// </summary>
public sealed class ItemPosixTests(TreeFixture fixture) : IClassFixture<TreeFixture>
{
    private readonly TreeMount _tree = fixture.Mount;


    [Fact]
    public void ARelativePathOf4095Bytes_WorksForMkdirCreateChmodRenameAndUnlink()
    {
        string item = $"$M/fspools/{_tree.NewRunningItem("long")}/items/a";
        // pjdfstest */03.t: 15 directories of 255-byte names and a 255-byte last name, 4,095
        // bytes relative to the working directory (PATH_MAX counts the NUL). The host path is
        // longer by the item's own place, which must not matter.
        string seen = _tree.Ok($$"""
            cd "{{item}}"
            python3 - <<'PY'
            import os
            d = "/".join(["d" * 255] * 15)
            os.makedirs(d)
            p = d + "/" + "f" * 255
            q = d + "/" + "g" * 255
            assert len(p) == 4095
            os.mkdir(p, 0o755); os.rmdir(p)
            fd = os.open(p, os.O_CREAT | os.O_WRONLY, 0o644); os.write(fd, b"data"); os.close(fd)
            os.chmod(p, 0o600)
            print("mode", oct(os.stat(p).st_mode & 0o777))
            os.rename(p, q)
            print("renamed", os.path.exists(p), open(q).read())
            os.unlink(q)
            print("gone", os.path.exists(q))
            PY
            """);

        Assert.Equal("mode 0o600\nrenamed False data\ngone False\n", seen);
    }

    [Fact]
    public void AnUnlinkedOpenFile_FstatsWithNlink0_AndFtruncateFchmodAndSeekEndWork_AsOnTheHost()
    {
        string item = $"$M/fspools/{_tree.NewRunningItem("unl")}/items/a";
        const string Script = """
            python3 - <<'PY'
            import os
            fd = os.open("f", os.O_RDWR | os.O_CREAT, 0o644)
            os.write(fd, b"hello world")
            os.unlink("f")
            print("nlink", os.fstat(fd).st_nlink)
            os.ftruncate(fd, 5)
            print("size", os.fstat(fd).st_size)
            os.fchmod(fd, 0o600)
            print("mode", oct(os.fstat(fd).st_mode & 0o777))
            print("end", os.lseek(fd, 0, os.SEEK_END))
            os.close(fd)
            PY
            """;
        string onHost = _tree.Ok($"cd \"$W\" && {Script}");
        string onItem = _tree.Ok($"cd \"{item}\" && {Script}");

        Assert.Equal("nlink 0\nsize 5\nmode 0o600\nend 5\n", onHost);
        Assert.Equal(onHost, onItem);
    }

    [Fact]
    public void StressNgFilesystemClass_PassesInAnItem()
    {
        string item = $"$M/fspools/{_tree.NewRunningItem("sng")}/items/a";
        // Stress-ng's whole filesystem class, every stressor for 1 s (StressNg: four lanes at
        // once, about 13 s), as it passes on the host's ext4. Five of them (copy-file,
        // fallocate, fsize, hdd, sync-file) failed on items before the descriptor-per-node
        // design. binderfs is left out: this kernel has none, which stress-ng counts as a
        // failure on the host too.
        ShellResult r = _tree.Sh($$"""
            command -v stress-ng >/dev/null || { echo "stress-ng missing (apt-get install stress-ng)"; exit 2; }
            cd "{{item}}"
            {{StressNg.FilesystemClass($"\"{item}\"", "\"$W/sng-item.\"")}}
            for f in "$W"/sng-item.*.log; do cat "$f"; done
            exit $rc
            """, TimeSpan.FromSeconds(240));

        string output = r.Stdout + r.Stderr;
        Assert.True(r.ExitCode == 0, _tree.Describe(r));
        Assert.Equal(StressNg.Lanes, Regex.Matches(output, "(?<!un)successful run completed").Count);
        Assert.DoesNotContain("unsuccessful", output, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"(?m)^stress-ng: fail:", output);
    }
}
