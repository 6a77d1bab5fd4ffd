using System.Text.RegularExpressions;

namespace StorageFs.IntegrationTests.MemoryFs;

/// <summary>ls and stat over the in-memory tree: READDIRPLUS packing, LOOKUP and GETATTR as tools see them.</summary>
[Collection(MemoryFsCollection.Name)]
public sealed class DirectoryListingTests(MemoryFsFixture fixture)
{
    private readonly DemoMount _mount = fixture.Mount;

    [Fact]
    public void LsL_OfTheRoot_ShowsHelloAsA21ByteFileAndManyAsADirectory()
    {
        string[] lines = Columns(_mount.Ok("ls -l \"$M\""));

        Assert.Contains(lines, l => Regex.IsMatch(l, @"^-rw-r--r-- 1 root root 21 .* hello$"));
        Assert.Contains(lines, l => Regex.IsMatch(l, @"^drwxr-xr-x 2 root root \d+ .* many$"));
    }

    [Fact]
    public void LsL_OfMany_ListsExactly1000EmptyFilesWithTheRightNames()
    {
        // ~160 bytes per READDIRPLUS entry: 1000 entries take dozens of calls, each resuming
        // at the offset the previous one returned.
        string[] lines = Columns(_mount.Ok("ls -l \"$M/many\" | tail -n +2"));

        Assert.Equal(MemoryFsFixture.Populate, lines.Length);
        var bad = lines.Where(l => !Regex.IsMatch(l, @"^-rw-r--r-- 1 root root 0 .* file\d{6}$")).ToList();
        Assert.True(bad.Count == 0, "lines not showing an empty 0644 file:\n" + string.Join('\n', bad.Take(10)));
        var names = lines.Select(l => l[(l.LastIndexOf(' ') + 1)..]);
        var expected = Enumerable.Range(0, MemoryFsFixture.Populate).Select(i => $"file{i:D6}");
        Assert.Equal(expected, names);
    }

    [Fact]
    public void Stat_OfHello_ReportsSizeModeTypeAndOneLink()
    {
        string stat = _mount.Ok("stat -c '%s|%a|%F|%h|%U|%G' \"$M/hello\"").Trim();

        Assert.Equal("21|644|regular file|1|root|root", stat);
    }

    [Fact]
    public void Stat_OfADirectory_CountsItsSubdirectoriesInTheLinkCount()
    {
        string dir = _mount.NewDir("nlink");

        string stat = _mount.Ok("mkdir a b && touch f && stat -c '%a|%F|%h' .", dir).Trim();

        Assert.Equal("755|directory|4", stat);
    }

    /// <summary>ls -l's lines with the column padding squeezed to one space.</summary>
    private static string[] Columns(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => Regex.Replace(l, " +", " ")).ToArray();
}
