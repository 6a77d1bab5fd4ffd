namespace StorageFs.IntegrationTests.Tree;

/// <summary>
/// A stalled cluster (the OSD paused with SIGSTOP) under many readers of an rbd volume and
/// under operations that grow images: reads are parked librbd requests, opens start librbd's
/// open in the background, and a growing write, ZERO_RANGE and a growing truncate are parked
/// with their resize off the FUSE readers, so the daemon's readers stay free and the other
/// pools keep answering; once the OSD runs again the parked requests complete with the
/// image's bytes (checked with <c>rbd export</c>). Each growth is on an image of its own: the
/// kernel sends one at a time per file (it holds the inode's lock), and more of them than the
/// engine has FUSE threads (16 /dev/fuse readers at most, one io_uring queue thread per CPU) is
/// what held the whole mount when each held one.
/// </summary>
[Collection("ceph")]
public sealed class RbdStallTests(RbdFixture fixture)
{
    private const int Readers = 24;
    private const int Growers = 6; // images per kind of growth: 3 kinds, 18 > the engine's FUSE threads

    private readonly TreeMount _tree = fixture.Mount;
    private readonly CephCluster _ceph = fixture.Cluster;
    private readonly string _p = fixture.Pool;

    [CephFact]
    public void ManyReadersAndOpenersOfAStalledImage_LeaveOtherPoolsAnswering_AndCompleteWhenTheClusterResumes()
    {
        string v = _tree.NewName("stall");
        string other = _tree.NewRunningPool("calm");
        _tree.Ok($"""
            head -c 1M /dev/urandom > "$W/{v}"
            cp "$W/{v}" "$M/pools/{_p}/volumes/{v}"
            echo calm > "$M/pools/{other}/volumes/a.raw"
            rm -f "$W"/go "$W"/opened.* "$W"/read.*
            # Images to grow (256 KiB each): by a write past the end through a descriptor opened
            # now (g), by fallocate -z (z) and by truncate -s (t) issued during the stall.
            head -c 256K /dev/urandom > "$W/{v}.s"
            head -c 64K /dev/urandom > "$W/{v}.g"
            for k in g z t; do for i in $(seq {Growers}); do cp "$W/{v}.s" "$M/pools/{_p}/volumes/{v}$k$i" & done; done; wait
            # Readers that hold the volume open, each waiting to read one 4 KiB block directly.
            for i in $(seq {Readers}); do
              ( exec 3<"$M/pools/{_p}/volumes/{v}"; : > "$W/opened.$i"
                while [ ! -e "$W/go" ]; do sleep 0.05; done
                dd bs=4k count=1 skip=$i iflag=direct status=none <&3 > "$W/read.$i" ) &
            done
            for i in $(seq {Growers}); do
              # Opened and read once, so librbd's open has completed before the stall.
              ( exec 3<>"$M/pools/{_p}/volumes/{v}g$i"; dd bs=4k count=1 status=none <&3 > /dev/null; : > "$W/opened.g$i"
                while [ ! -e "$W/go" ]; do sleep 0.05; done
                dd if="$W/{v}.g" bs=64k count=1 seek=4 conv=notrunc status=none >&3; r=$?
                exec 3>&- # the close settles the size and flushes: its exit status is the write's
                [ $? = 0 ] && echo $r > "$W/grown.g$i" || echo close > "$W/grown.g$i" ) > /dev/null 2>&1 &
            done
            n=$(({Readers} + {Growers}))
            for t in $(seq 200); do [ "$(ls "$W" | grep -c '^opened\.')" = $n ] && break; sleep 0.05; done
            [ "$(ls "$W" | grep -c '^opened\.')" = $n ]
            """, TimeSpan.FromSeconds(120));
        int osd = _ceph.DaemonPid("ceph-osd");
        Signal("STOP", osd);
        try
        {
            // Their reads now wait on the cluster, and so do as many fresh opens and reads.
            var calm = _tree.Sh($"""
                touch "$W/go"
                for i in $(seq {Readers}); do cat "$M/pools/{_p}/volumes/{v}" > "$W/whole.$i" & done
                for i in $(seq {Growers}); do
                  ( fallocate -z -o 128K -l 256K "$M/pools/{_p}/volumes/{v}z$i"; echo $? > "$W/grown.z$i" ) > /dev/null 2>&1 &
                  ( truncate -s 1M "$M/pools/{_p}/volumes/{v}t$i"; echo $? > "$W/grown.t$i" ) > /dev/null 2>&1 &
                done
                sleep 1
                timeout -s KILL 10 ls "$M/pools/{other}/volumes" && timeout -s KILL 10 cat "$M/pools/{other}/info" > /dev/null &&
                  timeout -s KILL 10 cat "$M/pools/{other}/volumes/a.raw" && timeout -s KILL 10 ls "$M/pools" > /dev/null
                """, TimeSpan.FromSeconds(60));
            Assert.True(calm.Succeeded, "another pool stopped answering while the cluster stalled\n" + _tree.Describe(calm));
            Assert.Contains("calm", calm.Stdout, StringComparison.Ordinal);
            // The growths are parked, not failed: none has ended while the OSD is stopped.
            Assert.False(File.Exists(Path.Combine(_tree.WorkDir, "grown.t1")), "a truncate ended during the stall");
        }
        finally
        {
            Signal("CONT", osd);
        }
        // The parked reads complete with the image's bytes once the OSD runs again.
        _tree.Ok($"""
            for t in $(seq 600); do [ "$(find "$W" -name 'read.*' -size 4k | wc -l)" = {Readers} ] &&
              [ "$(find "$W" -name 'whole.*' -size 1M | wc -l)" = {Readers} ] && break; sleep 0.1; done
            for i in $(seq {Readers}); do dd if="$W/{v}" bs=4k count=1 skip=$i status=none | cmp - "$W/read.$i"; cmp "$W/{v}" "$W/whole.$i"; done
            # The growths complete well: each image as the same operations make it of a local file.
            for t in $(seq 600); do [ "$(ls "$W" | grep -c '^grown\.')" = $((3 * {Growers})) ] && break; sleep 0.1; done
            cat "$W"/grown.* | sort | uniq -c
            [ "$(cat "$W"/grown.* | grep -cx 0)" = $((3 * {Growers})) ]
            # (dd's seek on its output is from the descriptor's position: 4 KiB on, after the read)
            ( cat "$W/{v}.s"; head -c 4K /dev/zero; cat "$W/{v}.g" ) > "$W/{v}.gw"
            ( head -c 128K "$W/{v}.s"; head -c 256K /dev/zero ) > "$W/{v}.zw"
            cp "$W/{v}.s" "$W/{v}.tw"; truncate -s 1M "$W/{v}.tw"
            for k in g z t; do for i in $(seq {Growers}); do
              {_ceph.RbdCommand} export --no-progress {_ceph.Pool}/{v}$k$i - | cmp - "$W/{v}.$k"w || exit 1
              want=$(stat -c %s "$W/{v}.$k"w)
              for t in $(seq 100); do [ "$(stat -c %s "$M/pools/{_p}/volumes/{v}$k$i")" = $want ] && break; sleep 0.1; done
              [ "$(stat -c %s "$M/pools/{_p}/volumes/{v}$k$i")" = $want ]
            done; done
            rm -f "$W"/go "$W"/opened.* "$W"/read.* "$W"/whole.* "$W"/grown.* "$W/{v}".*
            """, TimeSpan.FromSeconds(180));
    }

    private static void Signal(string signal, int pid)
    {
        using var p = System.Diagnostics.Process.Start("kill", ["-" + signal, pid.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
    }
}
