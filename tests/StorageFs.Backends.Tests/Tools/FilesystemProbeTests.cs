using System.Diagnostics;
using StorageFs.Backends.Filesystems;

namespace StorageFs.Backends.Tests.Tools;

/// <summary>
/// The first-blocks probe of <c>vol/V/info</c> (Backends/Filesystems) on images made by the real
/// tools, each answer checked against what libblkid (<c>blkid -p</c>) says of the same file:
/// the probe replaces blkid, so it must agree with it.
/// </summary>
public sealed class FilesystemProbeTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("storagefs-probe-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("ext2", "mkfs.ext2 -q -F {0}", "ext2")]
    [InlineData("ext3", "mkfs.ext3 -q -F {0}", "ext3")]
    [InlineData("ext4", "mkfs.ext4 -q -F {0}", "ext4")]
    [InlineData("xfs", "mkfs.xfs -q -f {0}", "xfs")]
    [InlineData("btrfs", "mkfs.btrfs -q -f {0}", "btrfs")]
    [InlineData("swap", "mkswap {0}", "swap")]
    [InlineData("vfat", "mkfs.vfat {0}", "vfat")]
    [InlineData("luks", "printf secret | cryptsetup luksFormat -q --type luks2 --pbkdf pbkdf2 --pbkdf-force-iterations 1000 {0} -", "crypto_LUKS")]
    [InlineData("gpt", "parted -s {0} mklabel gpt", "PTTYPE=gpt")]
    [InlineData("dos", "parted -s {0} mklabel msdos mkpart primary 1MiB 100%", "PTTYPE=dos")]
    [InlineData("zeros", "true", "")]
    public void Probe_AgreesWithBlkid(string name, string make, string blkidSays)
    {
        string image = Path.Combine(_dir, name + ".img");
        using (var f = File.Create(image))
            f.SetLength(320L << 20);
        Run(string.Format(System.Globalization.CultureInfo.InvariantCulture, make, image) + " >/dev/null 2>&1");

        string blkid = Run($"blkid -p -o export {image} || true");
        if (blkidSays.Length == 0)
            Assert.DoesNotContain("TYPE=", blkid, StringComparison.Ordinal);
        else
            Assert.Contains(blkidSays.Contains('=', StringComparison.Ordinal) ? blkidSays : $"TYPE={blkidSays}", blkid, StringComparison.Ordinal);
        using var handle = File.OpenHandle(image);
        string? probed = new VolumeFilesystems().Inspect(handle, probe: true).Filesystem;
        string expected = blkidSays switch
        {
            "PTTYPE=gpt" => "gpt partition table",
            "PTTYPE=dos" => "dos partition table",
            "" => "none",
            _ => blkidSays,
        };
        Assert.Equal(expected, probed);
    }

    private static string Run(string script)
    {
        using var p = Process.Start(new ProcessStartInfo("sh", ["-c", script]) { RedirectStandardOutput = true })!;
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"{script} exited {p.ExitCode}");
        return output;
    }
}
