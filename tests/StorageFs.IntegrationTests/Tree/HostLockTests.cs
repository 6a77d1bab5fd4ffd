namespace StorageFs.IntegrationTests.Tree;

/// <summary>
/// A lock taken through <c>/storage</c> and one taken on the host file see each
/// other, both ways, for flock(2), POSIX (lockf) and OFD locks, on an item file and on a volume;
/// QEMU's image locking (OFD locks) refuses a second user either way; a blocking lock through the
/// mount waits (parked) for the host's holder to let go.
/// </summary>
public sealed class HostLockTests(TreeFixture fixture) : IClassFixture<TreeFixture>
{
    private readonly TreeMount _tree = fixture.Mount;

    /// <summary>
    /// Shell helpers: <c>hold KIND FILE TAG</c> starts a process that takes an exclusive lock of
    /// KIND (flock, lockf, ofd) on FILE and keeps it (its pid in $holder), <c>try KIND FILE</c>
    /// prints "free" or "busy" for a non-blocking exclusive lock of the same kind.
    /// </summary>
    private const string Helpers = """
        cat > "$W/lock.py" <<'PY'
        import fcntl, os, struct, sys, time
        kind, path, mode = sys.argv[1], sys.argv[2], sys.argv[3]
        f = open(path, 'r+')
        def take(block):
            if kind == 'flock':
                fcntl.flock(f, fcntl.LOCK_EX | (0 if block else fcntl.LOCK_NB))
            elif kind == 'lockf':
                fcntl.lockf(f, fcntl.LOCK_EX | (0 if block else fcntl.LOCK_NB))
            else:
                # struct flock: type, whence, start, len, pid; F_OFD_SETLK(W) = 37 (38)
                fcntl.fcntl(f, 38 if block else 37, struct.pack('hhqqi4x', fcntl.F_WRLCK, 0, 0, 0, 0))
        if mode == 'try':
            try:
                take(False); print('free')
            except OSError:
                print('busy')
        else:
            take(True)
            open(sys.argv[4], 'w').close()
            time.sleep(60)
        PY
        hold() {
          rm -f "$W/held.$3"
          python3 "$W/lock.py" "$1" "$2" hold "$W/held.$3" &
          holder=$!
          for i in $(seq 200); do [ -e "$W/held.$3" ] && return 0; sleep 0.05; done
          echo "the $1 holder of $2 never got its lock" >&2; return 1
        }
        release() { kill $holder; wait $holder 2>/dev/null || true; }
        try() { python3 "$W/lock.py" "$1" "$2" try; }
        # OFD and flock locks taken through the mount go at RELEASE, which the kernel sends in the
        # background after close(2) returns: give it a moment (POSIX locks go at FLUSH, at once).
        free() { for i in $(seq 40); do [ "$(try "$1" "$2")" = free ] && { echo free; return; }; sleep 0.05; done; echo busy; }
        """;

    /// <summary>Makes the file under test; prints its path through the mount and its host path.</summary>
    private (string Mounted, string Host) MakeFile(string where)
    {
        string n = _tree.NewName("lk");
        string lines = where == "volume"
            ? _tree.Ok($"""
                echo "{_tree.PoolXml(n)}" > "$M/define"
                echo build > "$M/pools/{n}/ctl"; echo start > "$M/pools/{n}/ctl"
                truncate -s 1M "$M/pools/{n}/volumes/v.raw"
                echo "$M/pools/{n}/volumes/v.raw"
                cat "$M/pools/{n}/vol/v.raw/path"
                """)
            : _tree.Ok($"""
                echo '<fspool type="dir"><name>{n}</name><target><path>'"$S/pools/{n}"'</path></target></fspool>' > "$M/define"
                echo build > "$M/fspools/{n}/ctl"; echo start > "$M/fspools/{n}/ctl"
                mkdir "$M/fspools/{n}/items/i"
                echo data > "$M/fspools/{n}/items/i/f"
                echo "$M/fspools/{n}/items/i/f"
                echo "$S/pools/{n}/i/f"
                """);
        string[] l = lines.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return (l[0], l[1]);
    }

    [Theory]
    [InlineData("item", "flock")]
    [InlineData("item", "lockf")]
    [InlineData("item", "ofd")]
    [InlineData("volume", "flock")]
    [InlineData("volume", "lockf")]
    [InlineData("volume", "ofd")]
    public void ALockThroughTheMount_AndOneOnTheHostFile_SeeEachOther_BothWays(string where, string kind)
    {
        var (f, h) = MakeFile(where);
        string seen = _tree.Ok($"""
            {Helpers}
            hold {kind} "{f}" a; echo "mount holds: host $(try {kind} "{h}")"; release
            echo "released: host $(free {kind} "{h}")"
            hold {kind} "{h}" b; echo "host holds: mount $(try {kind} "{f}")"; release
            echo "released: mount $(free {kind} "{f}")"
            """);
        Assert.Equal($"""
            mount holds: host busy
            released: host free
            host holds: mount busy
            released: mount free

            """, seen);
    }

    [Theory]
    [InlineData("item")]
    [InlineData("volume")]
    public void Flock1_ThroughTheMount_WaitsForTheHostsHolder_AndTheReverse(string where)
    {
        var (f, h) = MakeFile(where);
        string seen = _tree.Ok($"""
            {Helpers}
            flock -n "{f}" true && echo "mount free"
            hold flock "{h}" c
            flock -n "{f}" true || echo "mount busy (exit $?)"
            ( sleep 0.5; kill $holder ) &
            s=$(date +%s%N); flock -w 10 "{f}" true && echo "mount waited $(( ($(date +%s%N) - s) / 1000000 )) ms"
            wait $holder 2>/dev/null || true
            hold flock "{f}" d
            flock -n "{h}" true || echo "host busy (exit $?)"
            flock -w 0.3 "{h}" true || echo "host timed out"
            release
            flock -w 2 "{h}" true && echo "host free"
            """);
        string[] lines = seen.Split('\n');
        Assert.Equal("mount free", lines[0]);
        Assert.Equal("mount busy (exit 1)", lines[1]);
        Assert.Matches("^mount waited [0-9]+ ms$", lines[2]);
        int ms = int.Parse(lines[2].Split(' ')[2], CultureInfo.InvariantCulture);
        Assert.True(ms is >= 400 and < 5000, $"a blocking flock through the mount returned after {ms} ms, the holder let go after 500 ms:\n{seen}");
        Assert.Equal(["host busy (exit 1)", "host timed out", "host free", ""], lines[3..]);
    }

    [Fact]
    public void AParkedFlock_KilledWhileWaiting_DiesAtOnce_AndNeverTakesTheLock()
    {
        var (f, h) = MakeFile("item");
        string seen = _tree.Ok($$"""
            {{Helpers}}
            hold flock "{{h}}" e
            flock "{{f}}" sleep 60 &
            waiter=$!
            sleep 0.5
            kill -9 $waiter
            sleep 0.3
            st=$(awk '{print $3}' /proc/$waiter/stat 2>/dev/null || echo gone)
            echo "waiter: $st"
            wait $waiter 2>/dev/null || true
            release
            echo "host: $(free flock "{{h}}")"
            """);
        Assert.Matches("^waiter: (gone|Z)\nhost: free\n$", seen);
    }

    [Fact]
    public void QemuImageLocking_RefusesTheSecondUser_ThroughTheMountOrOnTheHost()
    {
        string p = _tree.NewRunningPool("qlk");
        string seen = _tree.Sh($$"""
            set -u
            echo "<volume><name>d.qcow2</name><capacity unit='M'>64</capacity><target><format type='qcow2'/></target></volume>" > "$M/pools/{{p}}/create"
            F="$M/pools/{{p}}/volumes/d.qcow2"
            H=$(cat "$M/pools/{{p}}/vol/d.qcow2/path")
            wait_locked() {
              for i in $(seq 200); do qemu-img info "$1" 2>&1 | grep -q 'Failed to get' && return 0; sleep 0.1; done
              echo "never locked: $1: $(cat "$W/q.err") / $(qemu-img info "$1" 2>&1 | head -n1)"; return 1
            }
            # A volume just created is sometimes still "in use" (EBUSY) for a moment:
            # VolumeFile's rule, not locking; retry the opener only for that.
            for i in $(seq 20); do
              qemu-io -c 'sleep 30000' "$F" 2> "$W/q.err" & q=$!
              sleep 0.3
              kill -0 $q 2>/dev/null || ! grep -q 'resource busy' "$W/q.err" || continue
              kill -0 $q 2>/dev/null && break
            done
            wait_locked "$H"
            echo "--- host while the mount holds"
            qemu-img info "$H" 2>&1 | head -n1
            qemu-io -c 'read 0 512' "$H" 2>&1 | head -n1
            kill $q; wait $q 2>/dev/null
            # qemu's OFD locks through the mount go at the background RELEASE: a moment after exit
            for i in $(seq 40); do qemu-img info "$H" > /dev/null 2>&1 && break; sleep 0.05; done
            qemu-img info "$H" > /dev/null && echo "host free"
            # info takes a shared lock only: the mount's write lock may still be on its way out
            # (the background RELEASE), so retry a host opener that found it.
            for i in $(seq 40); do
              qemu-io -c 'sleep 30000' "$H" 2> "$W/q.err" & q=$!
              sleep 0.3
              kill -0 $q 2>/dev/null && break
            done
            wait_locked "$F"
            echo "--- mount while the host holds"
            qemu-img info "$F" 2>&1 | head -n1
            qemu-io -c 'write 0 512' "$F" 2>&1 | head -n1
            kill $q; wait $q 2>/dev/null
            qemu-img info "$F" > /dev/null && echo "mount free"
            """, TimeSpan.FromSeconds(90)).Stdout;
        string[] lines = seen.Split('\n');
        Assert.True(lines.Length >= 9 && lines[0] == "--- host while the mount holds", seen);
        Assert.Contains("Failed to get shared \"write\" lock", lines[1], StringComparison.Ordinal);
        Assert.Contains("Failed to get", lines[2], StringComparison.Ordinal);
        Assert.Equal("host free", lines[3]);
        Assert.True(lines[4] == "--- mount while the host holds", seen);
        Assert.Contains("Failed to get shared \"write\" lock", lines[5], StringComparison.Ordinal);
        Assert.Contains("Failed to get", lines[6], StringComparison.Ordinal);
        Assert.Equal("mount free", lines[7]);
    }
}
