using StorageFs.Core.Driver;

namespace StorageFs.IntegrationTests.Tree;

/// <summary>
/// The image lifecycle runs end to end from examples/image-lifecycle.sh
/// (create zeroed, restore a base image, growfs, archive with snapshot to another pool, restore
/// from the archive, grow, growfs). Checked on the host files afterwards: the filesystems'
/// sizes (dumpe2fs), a file of the base image read back from the last volume (debugfs), both
/// filesystems clean (e2fsck -n), the archive a valid zstd stream (zstd -t), and no snapshot
/// left in the pool.
/// </summary>
public sealed class ImageLifecycleExampleTests(TreeFixture fixture) : IClassFixture<TreeFixture>
{
    private readonly TreeMount _tree = fixture.Mount;

    [ToolboxFact]
    public void TheExampleScript_RunsTheSeedScenarioEndToEnd()
    {
        string pool = _tree.NewRunningPool("life");
        string archives = _tree.NewRunningPool("arch");
        string script = Path.Combine(RepoRoot(), "examples", "image-lifecycle.sh");
        string seen = _tree.Ok($$"""
            P="$M/pools/{{pool}}"; H="$S/pools/{{pool}}"
            truncate -s 64M "$P/volumes/base.raw"
            mkfs.ext4 -q -F "$H/base.raw"
            echo "from the base image" > "$W/hello"
            debugfs -w -R "write $W/hello hello" "$H/base.raw" >/dev/null 2>&1
            bash "{{script}}" {{pool}} {{pool}}/base.raw {{archives}} 256M 384M "$M" > "$W/run.out"
            size() { dumpe2fs -h "$1" 2>/dev/null | awk -F: '/^Block count/{c=$2} /^Block size/{b=$2} END{printf "%.0f\n", c*b}'; }
            size "$H/vm.raw"
            size "$H/vm-restored.raw"
            debugfs -R "cat hello" "$H/vm-restored.raw" 2>/dev/null
            e2fsck -f -n "$H/vm.raw" >/dev/null 2>&1 && echo vm-clean
            e2fsck -f -n "$H/vm-restored.raw" >/dev/null 2>&1 && echo restored-clean
            zstd -q -t "$S/pools/{{archives}}/vm.raw.zst" && echo archive-ok
            ls "$P/volumes" | tr '\n' ' '; echo
            cat "$W/run.out"
            """, TimeSpan.FromMinutes(5));
        string[] l = seen.Split('\n');
        Assert.Equal((256L << 20).ToString(), l[0]);
        Assert.Equal((384L << 20).ToString(), l[1]);
        Assert.Equal("from the base image", l[2]);
        Assert.Equal("vm-clean", l[3]);
        Assert.Equal("restored-clean", l[4]);
        Assert.Equal("archive-ok", l[5]);
        Assert.Equal("base.raw vm-restored.raw vm.raw ", l[6]);
        Assert.Contains("7. growfs", seen, StringComparison.Ordinal);
    }

    private static string RepoRoot([System.Runtime.CompilerServices.CallerFilePath] string file = "")
    {
        var dir = new DirectoryInfo(Path.GetDirectoryName(file)!);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "StorageFs.sln")))
            dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("StorageFs.sln not found above " + file);
    }

    /// <summary>Skipped in a build without the archive and restore commands (docs/TREE.md
    /// "The image toolbox").</summary>
    private sealed class ToolboxFactAttribute : FactAttribute
    {
        public ToolboxFactAttribute()
        {
            if (typeof(StorageDriver).GetMethod("StartRestoreVolume") is null || typeof(StorageDriver).GetMethod("StartArchiveVolume") is null)
                Skip = "needs the archive and restore volume commands (docs/TREE.md, The image toolbox), not in this build";
        }
    }
}
