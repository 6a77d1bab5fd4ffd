namespace StorageFs.IntegrationTests.MemoryFs;

/// <summary>
/// Several readers at once: requests arrive on the engine's reader threads concurrently. Half
/// the readers use O_DIRECT so their READs cannot be served from the page cache another reader
/// filled; the other half go through the page cache like cat does.
/// </summary>
[Collection(MemoryFsCollection.Name)]
public sealed class ParallelReaderTests(MemoryFsFixture fixture)
{
    private const int Readers = 8;
    private readonly DemoMount _mount = fixture.Mount;

    [Fact]
    public void EightConcurrentReaders_OfOne50MiBFile_AllGetTheRightDigest()
    {
        string dir = _mount.NewDir("parallel-same");

        string result = _mount.Ok($$"""
            dd if=/dev/urandom of="$W/same.src" bs=1M count=50 status=none
            cp "$W/same.src" big
            sha256sum < "$W/same.src" | cut -d' ' -f1
            for i in $(seq {{Readers}}); do
              if (( i % 2 )); then
                (cat big | sha256sum | cut -d' ' -f1 > "$W/same.$i") &
              else
                (dd if=big iflag=direct bs=1M status=none | sha256sum | cut -d' ' -f1 > "$W/same.$i") &
              fi
            done
            wait
            for i in $(seq {{Readers}}); do cat "$W/same.$i"; done
            rm big "$W"/same.*
            """, dir, TimeSpan.FromSeconds(120));
        string[] lines = result.Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(1 + Readers, lines.Length);
        Assert.All(lines[1..], digest => Assert.Equal(lines[0], digest));
    }

    [Fact]
    public void EightConcurrentReaders_OfDifferentFiles_EachGetTheirFilesDigest()
    {
        string dir = _mount.NewDir("parallel-different");

        string result = _mount.Ok($$"""
            for i in $(seq {{Readers}}); do
              dd if=/dev/urandom of="$W/diff.$i" bs=1M count=8 status=none
              cp "$W/diff.$i" "f$i"
            done
            for i in $(seq {{Readers}}); do
              if (( i % 2 )); then
                (sha256sum < "f$i" | cut -d' ' -f1 > "$W/got.$i") &
              else
                (dd if="f$i" iflag=direct bs=256K status=none | sha256sum | cut -d' ' -f1 > "$W/got.$i") &
              fi
            done
            wait
            for i in $(seq {{Readers}}); do
              echo "$(sha256sum < "$W/diff.$i" | cut -d' ' -f1) $(cat "$W/got.$i")"
            done
            rm f* "$W"/diff.* "$W"/got.*
            """, dir, TimeSpan.FromSeconds(120));
        string[] lines = result.Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(Readers, lines.Length);
        Assert.All(lines, line =>
        {
            string[] pair = line.Split(' ');
            Assert.Equal(pair[0], pair[1]);
        });
        Assert.Equal(Readers, lines.Select(l => l.Split(' ')[0]).Distinct().Count());
    }
}
