namespace StorageFs.IntegrationTests.Tree;

/// <summary>
/// A stalled cluster (the OSD paused with SIGSTOP) under many readers of an rbd volume: reads
/// are parked librbd requests and opens start librbd's open in the background, so the daemon's
/// FUSE readers stay free and the other pools keep answering; once the OSD runs again the
/// parked reads complete with the image's bytes.
/// </summary>
[Collection("ceph")]
public sealed class RbdStallTests(RbdFixture fixture)
{
    private const int Readers = 24;

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
            # Readers that hold the volume open, each waiting to read one 4 KiB block directly.
            for i in $(seq {Readers}); do
              ( exec 3<"$M/pools/{_p}/volumes/{v}"; : > "$W/opened.$i"
                while [ ! -e "$W/go" ]; do sleep 0.05; done
                dd bs=4k count=1 skip=$i iflag=direct status=none <&3 > "$W/read.$i" ) &
            done
            for t in $(seq 200); do [ "$(ls "$W" | grep -c '^opened\.')" = {Readers} ] && break; sleep 0.05; done
            [ "$(ls "$W" | grep -c '^opened\.')" = {Readers} ]
            """);
        int osd = _ceph.DaemonPid("ceph-osd");
        Signal("STOP", osd);
        try
        {
            // Their reads now wait on the cluster, and so do as many fresh opens and reads.
            var calm = _tree.Sh($"""
                touch "$W/go"
                for i in $(seq {Readers}); do cat "$M/pools/{_p}/volumes/{v}" > "$W/whole.$i" & done
                sleep 1
                timeout -s KILL 10 ls "$M/pools/{other}/volumes" && timeout -s KILL 10 cat "$M/pools/{other}/info" > /dev/null &&
                  timeout -s KILL 10 cat "$M/pools/{other}/volumes/a.raw" && timeout -s KILL 10 ls "$M/pools" > /dev/null
                """, TimeSpan.FromSeconds(60));
            Assert.True(calm.Succeeded, "another pool stopped answering while the cluster stalled\n" + _tree.Describe(calm));
            Assert.Contains("calm", calm.Stdout, StringComparison.Ordinal);
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
            rm -f "$W"/go "$W"/opened.* "$W"/read.* "$W"/whole.*
            """, TimeSpan.FromSeconds(120));
    }

    private static void Signal(string signal, int pid)
    {
        using var p = System.Diagnostics.Process.Start("kill", ["-" + signal, pid.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
    }
}
