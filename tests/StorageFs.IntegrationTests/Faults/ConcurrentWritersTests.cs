using StorageFs.IntegrationTests.Tree;

namespace StorageFs.IntegrationTests.Faults;

/// <summary>
/// Ten writers at once on one pool — creating raw and qcow2 volumes, uploading,
/// resizing, deleting, cloning, wiping and reading the same few names — for 30 s. Collisions
/// are answered with what they are (EEXIST, ENOENT, EBUSY, EPERM); not one EIO, and the
/// daemon logs no EIO and no unhandled exception. (The issue saw 42 EIO in 240 s: a volume
/// still being created stat'ed as an internal error, qemu-img's lock conflicts and a clone
/// trusting a format the last upload had changed.)
/// </summary>
public sealed class ConcurrentWritersTests : IDisposable
{
    private readonly TreeMount _tree = TreeMount.Start();

    public void Dispose() => _tree.Dispose();

    [Fact]
    public void TenConcurrentWritersFor30Seconds_GetNoEIO()
    {
        string pool = _tree.NewRunningPool("writers");

        ShellResult r = _tree.Sh($$"""
            P="$M/pools/{{pool}}"; end=$((SECONDS + 30))
            writer() {
              local k=$1 n
              while [ $SECONDS -lt $end ]; do
                n=v$((RANDOM % 6))
                case $((RANDOM % 9)) in
                  0) echo "<volume><name>$n</name><capacity unit='M'>$((RANDOM % 8 + 1))</capacity></volume>" > "$P/create" ;;
                  1) echo "<volume><name>$n</name><capacity unit='M'>4</capacity><target><format type='qcow2'/></target></volume>" > "$P/create" ;;
                  2) dd if=/dev/urandom of="$P/volumes/$n" bs=64k count=4 conv=notrunc status=none ;;
                  3) echo "resize $((RANDOM % 16 + 1))M" > "$P/vol/$n/ctl" ;;
                  4) echo "delete $n" > "$P/vol/$n/ctl" ;;
                  5) echo "clone c$k$((RANDOM % 3))" > "$P/vol/$n/ctl" ;;
                  6) echo "wipe zero" > "$P/vol/$n/ctl" ;;
                  7) rm -f "$P/volumes/c$((RANDOM % 10))$((RANDOM % 3))" ;;
                  8) cat "$P/volumes/$n" > /dev/null; ls -l "$P/volumes" > /dev/null ;;
                esac
              done
            }
            for k in 0 1 2 3 4 5 6 7 8 9; do writer $k 2>>"$W/writers.err" & done
            wait
            grep -c . "$W/writers.err" || true
            grep 'Input/output error' "$W/writers.err" || true
            """, TimeSpan.FromSeconds(120));

        Assert.True(r.Succeeded, _tree.Describe(r));
        string log = _tree.Daemon.Log;
        Assert.False(r.Stdout.Contains("Input/output error", StringComparison.Ordinal),
            r.Stdout + "\n-- the daemon's warnings and errors:\n" +
            string.Join('\n', log.Split('\n').Where(l => l.Contains("WRN", StringComparison.Ordinal) || l.Contains("ERR", StringComparison.Ordinal))));
        foreach (string sign in new[] { "answered EIO", "failed with an exception", "failed unexpectedly" })
            Assert.False(log.Contains(sign, StringComparison.Ordinal), $"the daemon logged \"{sign}\":\n{log}");
        Assert.DoesNotContain("errno=EIO", _tree.Ok("cat \"$M/errors\""), StringComparison.Ordinal);
    }
}
