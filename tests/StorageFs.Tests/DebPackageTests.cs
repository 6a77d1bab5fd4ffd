using System.Diagnostics;

using static StorageFs.Tests.Shell;

namespace StorageFs.Tests;

/// <summary>
/// The Debian package end to end, as an administrator uses it: packaging/build-deb builds it,
/// lintian finds no error, <c>apt-get install ./storagefs_*.deb</c> installs it on this machine
/// (storagefs on PATH, man pages, completion, conffile), <c>mount -t fuse.storagefs</c> and an
/// fstab line mount through the installed files (mount.fuse.storagefs → mount.fuse3 →
/// /usr/bin/storagefs), the installed <c>storagefs unmount</c> unmounts, and
/// <c>apt-get purge</c> leaves nothing behind.
/// </summary>
public sealed class DebPackageTests
{
    [Fact]
    public void TheDeb_Builds_IsLintianClean_InstallsWithApt_MountsThroughItsFiles_AndPurgesWithoutTrace()
    {
        Assert.True(Sh("dpkg-query -W -f='${db:Status-Abbrev}' storagefs 2>/dev/null | grep -q '^ii'").Code != 0,
            "a storagefs package is already installed on this machine: this test installs and purges its own, so it refuses to replace it");
        string work = Directory.CreateTempSubdirectory("storagefs-deb-").FullName;
        Task<(int Code, string Output)>? lintianRun = null;
        try
        {
            Directory.CreateDirectory(Path.Combine(work, "out"));
            File.Copy(BuiltDeb.Path, Path.Combine(work, "out", Path.GetFileName(BuiltDeb.Path)));
            string deb = Directory.GetFiles(Path.Combine(work, "out"), "storagefs_*.deb").Single();
            Assert.Matches(@"storagefs_\d+\.\d+\.\d+_(amd64|arm64)\.deb$", deb);

            // lintian reads only the .deb: it runs while the package is installed, used and
            // purged (it takes as long as all of that), and is judged at the end.
            lintianRun = Task.Run(() => Sh($"lintian '{deb}'", TimeSpan.FromMinutes(10)));

            var install = Sh($"cd '{work}/out' && DEBIAN_FRONTEND=noninteractive apt-get install -y -q ./{Path.GetFileName(deb)}", TimeSpan.FromMinutes(10));
            Assert.True(install.Code == 0, "apt-get install failed\n" + install.Output);
            string[] files = Sh("dpkg -L storagefs").Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            try
            {
                Assert.Equal("/usr/bin/storagefs\n", Sh("command -v storagefs").Output);
                Assert.StartsWith("storagefs: ", Sh("storagefs --version").Output, StringComparison.Ordinal);
                Assert.Equal(0, Sh("man -w storagefs && man -w 7 storagefs-tree && man -w mount.fuse.storagefs").Code);
                Assert.Contains("/usr/share/bash-completion/completions/storagefs", files);
                Assert.Contains("/usr/share/doc/storagefs/copyright", files);
                Assert.Contains("/lib/systemd/system/storagefs.service", files);
                Assert.Equal("/etc/storagefs/storagefs.json\n", Sh("dpkg-query -W -f='${Conffiles}' storagefs | awk 'NF {print $1}'").Output);
                Assert.Equal(0, Sh("bash -c '. /usr/share/bash-completion/completions/storagefs && complete -p storagefs'").Code);

                string mnt = Directory.CreateDirectory(Path.Combine(work, "mnt")).FullName;
                string state = Path.Combine(work, "state");
                // The default pools are made only where the state directory is an allowed one.
                string config = Path.Combine(work, "storagefs.json");
                File.WriteAllText(config, $"{{ \"allowedDirectories\": [\"{work}\"] }}\n");
                var mount = Sh($"mount -t fuse.storagefs storagefs '{mnt}' -o allow_other,state_dir={state},config={config}", TimeSpan.FromMinutes(2));
                Assert.True(mount.Code == 0, "mount -t fuse.storagefs failed\n" + mount.Output);
                Assert.Contains($" {mnt} fuse.storagefs ", File.ReadAllText("/proc/self/mounts"), StringComparison.Ordinal);
                Assert.Contains("default", Sh($"ls '{mnt}/pools'").Output, StringComparison.Ordinal);
                var unmount = Sh($"storagefs unmount '{mnt}'");
                Assert.True(unmount.Code == 0, unmount.Output);
                WaitForLockRelease(Path.Combine(state, "lock"));

                string fstab = Path.Combine(work, "fstab");
                File.WriteAllText(fstab, $"storagefs {mnt} fuse.storagefs allow_other,_netdev,state_dir={state},config={config} 0 0\n");
                var byFstab = Sh($"mount -T '{fstab}' '{mnt}'", TimeSpan.FromMinutes(2));
                Assert.True(byFstab.Code == 0, "mount through an fstab line failed\n" + byFstab.Output);
                Assert.Equal("running\n", File.ReadAllText(Path.Combine(mnt, "pools", "default", "state")));
                Assert.Equal(0, Sh($"storagefs unmount '{mnt}'").Code);
                WaitForLockRelease(Path.Combine(state, "lock"));
            }
            finally
            {
                var purge = Sh("DEBIAN_FRONTEND=noninteractive apt-get purge -y -q storagefs", TimeSpan.FromMinutes(5));
                Assert.True(purge.Code == 0, "apt-get purge failed\n" + purge.Output);
            }

            Assert.NotEqual(0, Sh("dpkg -s storagefs").Code);
            var left = files.Where(f => f is not "/." && (File.Exists(f) || (Directory.Exists(f) && f.Contains("storagefs", StringComparison.Ordinal)))).ToList();
            Assert.True(left.Count == 0, "left after purge: " + string.Join(", ", left));
            Assert.False(Directory.Exists("/etc/storagefs"), "/etc/storagefs left after purge");
            Assert.NotEqual(0, Sh("command -v storagefs").Code);

            var lintian = lintianRun.Result;
            Assert.True(lintian.Code is 0 or 1, "lintian did not run to its end\n" + lintian.Output);
            Assert.DoesNotContain("\nE: ", "\n" + lintian.Output, StringComparison.Ordinal);
        }
        finally
        {
            lintianRun?.Wait();
            Sh($"umount -l '{work}/mnt' 2>/dev/null; rm -rf '{work}'");
        }
    }

    private static void WaitForLockRelease(string lockFile)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(30) && Sh($"flock -n '{lockFile}' true").Code != 0)
            Thread.Sleep(100);
    }
}
