using System.IO.Compression;

namespace StorageFs.IntegrationTests.Tree;

/// <summary>
/// An item's capacity: kept with the item across a restart of the daemon,
/// enforced as a project quota on xfs and ext4 mounted with <c>prjquota</c> (real loop devices),
/// and <c>item/NAME/info</c> says in its <c>Quota:</c> line whether it is enforced, and why not.
/// Each test has a mount of its own (it restarts the daemon).
/// </summary>
public sealed class ItemCapacityTests
{
    private const ulong GiB = 1UL << 30;

    [Fact]
    public void Capacity_IsKeptAcrossARestart_AndInfoSaysItIsNotEnforcedOnThisFilesystem()
    {
        using var tree = TreeMount.Start();
        string f = ItemHostTests.NewRunningFsPool(tree, "cap");
        string F = $"$M/fspools/{f}";
        tree.Ok($"""echo "<fsitem><name>q</name><capacity unit='GiB'>1</capacity></fsitem>" > "{F}/create" """);
        tree.Ok($"mkdir \"{F}/items/plain\"");

        var before = InfoFile.Parse(tree.Ok($"cat \"{F}/item/q/info\""));
        Assert.Equal($"{GiB} bytes", before["Capacity"]);
        Assert.StartsWith("not enforced: ", before["Quota"], StringComparison.Ordinal);
        Assert.Contains("quota", before["Quota"], StringComparison.Ordinal);
        Assert.Equal("not enforced: no capacity was given when the item was made",
            InfoFile.Parse(tree.Ok($"cat \"{F}/item/plain/info\""))["Quota"]);

        tree.Restart();

        var after = InfoFile.Parse(tree.Ok($"cat \"{F}/item/q/info\""));
        Assert.Equal($"{GiB} bytes", after["Capacity"]);
        Assert.Equal(before["Quota"], after["Quota"]);
        Assert.Contains($"<capacity unit='bytes'>{GiB}</capacity>", tree.Ok($"cat \"{F}/item/q/xml\""), StringComparison.Ordinal);
    }

    [Fact]
    public void OnXfsWithoutProjectQuotas_InfoSaysPlainlyWhyTheCapacityIsNotEnforced()
    {
        Preflight.RequireTool("mkfs.xfs", "xfsprogs");
        using var tree = TreeMount.Start();
        using var disk = LoopFs.Make(tree, "xfs", mountOptions: null);
        string f = ItemHostTests.NewRunningFsPool(tree, "xq", disk.Mountpoint);
        string F = $"$M/fspools/{f}";
        tree.Ok($"""echo "<fsitem><name>q</name><capacity unit='MiB'>1</capacity></fsitem>" > "{F}/create" """);

        string quota = InfoFile.Parse(tree.Ok($"cat \"{F}/item/q/info\""))["Quota"];
        Assert.StartsWith("not enforced: ", quota, StringComparison.Ordinal);
        Assert.Contains("xfs", quota, StringComparison.Ordinal);
        Assert.Contains("prjquota", quota, StringComparison.Ordinal);
        // Not enforced: the item takes more than its capacity.
        tree.Ok($"dd if=/dev/zero of=\"{F}/items/q/big\" bs=1M count=3 status=none");
        tree.Ok($"echo 'delete q' > \"{F}/item/q/ctl\"; echo stop > \"{F}/ctl\"");
    }

    [ProjectQuotaFact("xfs")]
    public void OnXfsWithPrjquota_WritingPastTheCapacityFailsWithEDQUOT_AndARestartKeepsIt() =>
        Enforced("xfs", "prjquota");

    [ProjectQuotaFact("ext4")]
    public void OnExt4WithPrjquota_WritingPastTheCapacityFailsWithEDQUOT_AndARestartKeepsIt() =>
        Enforced("ext4", "prjquota");

    private static void Enforced(string fs, string options)
    {
        using var tree = TreeMount.Start();
        using var disk = LoopFs.Make(tree, fs, options);
        string f = ItemHostTests.NewRunningFsPool(tree, "pq", disk.Mountpoint);
        string F = $"$M/fspools/{f}";
        tree.Ok($"""echo "<fsitem><name>q</name><capacity unit='MiB'>2</capacity></fsitem>" > "{F}/create" """);
        string quota = InfoFile.Parse(tree.Ok($"cat \"{F}/item/q/info\""))["Quota"];
        Assert.StartsWith($"enforced: {fs} project quota ", quota, StringComparison.Ordinal);

        tree.Ok($"dd if=/dev/zero of=\"{F}/items/q/fits\" bs=1M count=1 conv=fsync status=none");
        string err = tree.Fails($"dd if=/dev/zero of=\"{F}/items/q/big\" bs=1M count=4 conv=fsync status=none", "dd:");
        Assert.True(err.Contains("Disk quota exceeded", StringComparison.Ordinal) || err.Contains("No space left", StringComparison.Ordinal), err);
        // Also in a subdirectory made later (the project is inherited).
        tree.Fails($"mkdir \"{F}/items/q/sub\" && dd if=/dev/zero of=\"{F}/items/q/sub/big\" bs=1M count=4 conv=fsync status=none", "dd:");

        tree.Restart();
        var after = InfoFile.Parse(tree.Ok($"cat \"{F}/item/q/info\""));
        Assert.Equal($"{2UL << 20} bytes", after["Capacity"]);
        Assert.Equal(quota, after["Quota"]);
        tree.Ok($"echo 'delete q' > \"{F}/item/q/ctl\"; echo stop > \"{F}/ctl\"");
    }

    /// <summary>Runs only where this kernel can mount the filesystem with project quotas:
    /// /proc/config.gz must not say that the needed option is off (xfs: CONFIG_XFS_QUOTA; ext4:
    /// CONFIG_QUOTA and CONFIG_QFMT_V2, without which ext4 refuses the project feature).</summary>
    private sealed class ProjectQuotaFactAttribute : FactAttribute
    {
        public ProjectQuotaFactAttribute(string fs)
        {
            string[] needed = fs == "xfs" ? ["CONFIG_XFS_QUOTA"] : ["CONFIG_QUOTA", "CONFIG_QFMT_V2"];
            string? config = KernelConfig();
            var missing = needed.Where(o => config is not null && !config.Contains(o + "=y", StringComparison.Ordinal)).ToList();
            if (missing.Count > 0)
                Skip = $"this kernel cannot enforce {fs} project quotas: built without {string.Join(" and ", missing)} (/proc/config.gz), so mount -o prjquota fails";
        }

        private static string? KernelConfig()
        {
            try
            {
                using var gz = new GZipStream(File.OpenRead("/proc/config.gz"), CompressionMode.Decompress);
                using var reader = new StreamReader(gz);
                return reader.ReadToEnd();
            }
            catch (IOException)
            {
                return null;
            }
            catch (UnauthorizedAccessException)
            {
                return null;
            }
        }
    }

    /// <summary>A filesystem on a loop device, mounted below the state directory (an allowed
    /// directory); unmounted and detached at dispose.</summary>
    private sealed class LoopFs : IDisposable
    {
        private readonly TreeMount _tree;

        private LoopFs(TreeMount tree, string mountpoint)
        {
            _tree = tree;
            Mountpoint = mountpoint;
        }

        public string Mountpoint { get; }

        public static LoopFs Make(TreeMount tree, string fs, string? mountOptions)
        {
            Preflight.RequireTool("losetup", "mount");
            string image = Path.Combine(tree.WorkDir, fs + ".img");
            string mnt = Path.Combine(tree.StateDir, "loop-" + fs);
            string mkfs = fs == "xfs" ? "mkfs.xfs -q -f" : "mkfs.ext4 -q -F -O project,quota";
            tree.Ok($"""
                truncate -s 320M "{image}"
                {mkfs} "{image}"
                mkdir -p "{mnt}"
                mount -o loop{(mountOptions is null ? "" : "," + mountOptions)} "{image}" "{mnt}"
                """);
            return new LoopFs(tree, mnt);
        }

        public void Dispose() => _tree.Sh($"umount \"{Mountpoint}\" || umount -l \"{Mountpoint}\"");
    }
}
