using StorageFs.IntegrationTests.Tree;

namespace StorageFs.IntegrationTests.Posix;

/// <summary>
/// stress-ng's filesystem class against a volume. Its stressors make their own files and
/// directories under <c>--temp-path</c>, and <c>volumes/</c> holds volumes only (mkdir there is
/// EPERM), so none of them can run on a single volume file; what a volume is for is holding a
/// disk image. So the volume becomes a disk: an ext4 made in it, attached to a loop device with
/// direct I/O (every block the guest-like file system reads or writes goes through the volume's
/// FUSE file, passthrough to the host file), and the whole class runs in that file system, as it
/// runs on the host (in <see cref="StressNg.Lanes"/> lanes at once). binderfs is left out: this kernel has no binderfs, and stress-ng reports
/// that as a resource failure on the host too; 3 GiB (sparse) because iomix needs the room.
/// </summary>
public sealed class VolumeStressTests : IClassFixture<TreeFixture>
{
    private readonly TreeMount _tree;

    public VolumeStressTests(TreeFixture fixture) => _tree = fixture.Mount;

    [Fact]
    public void StressNgFilesystemClass_PassesInAFileSystemStoredInAVolume()
    {
        Preflight.RequireTool("stress-ng", "stress-ng");
        Preflight.RequireTool("mkfs.ext4", "e2fsprogs");
        Preflight.RequireTool("losetup", "mount");
        string pool = _tree.NewRunningPool("stress");
        string result = _tree.Ok($$"""
            vol="$M/pools/{{pool}}/volumes/disk.raw"
            truncate -s 3G "$vol"
            mkfs.ext4 -q -F "$vol"
            loop=$(losetup --find --show --direct-io=on "$vol")
            mkdir -p "$W/fs"
            rc=1
            if mount "$loop" "$W/fs"; then
              cd "$W/fs"
            {{StressNg.FilesystemClass("\"$W/fs\"", "\"$W/stress-ng.\"", "--verify")}}
              cd /
              umount "$W/fs"
            fi
            grep -hE 'fail|error|abort' "$W"/stress-ng.*.log || true
            echo "stress-ng exit $rc"
            fsck.ext4 -fn "$loop" >/dev/null 2>&1 && echo "fsck clean" || echo "fsck found damage"
            # udev may still hold the device for a moment, which turns LOOP_CLR_FD into a
            # deferred detach: repeat until the device is free.
            for i in $(seq 50); do
              losetup -d "$loop" 2>/dev/null || true
              losetup "$loop" >/dev/null 2>&1 || break
              sleep 0.2
            done
            losetup "$loop" >/dev/null 2>&1 && echo "still attached" || echo "detached"
            """, TimeSpan.FromSeconds(600));

        Assert.EndsWith("stress-ng exit 0\nfsck clean\ndetached\n", result, StringComparison.Ordinal);
    }
}
