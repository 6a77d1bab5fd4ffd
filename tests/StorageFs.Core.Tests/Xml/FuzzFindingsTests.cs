using StorageFs.Core.Xml;

namespace StorageFs.Core.Tests.Xml;

/// <summary>
/// Inputs found by the xml fuzz target (tests/StorageFs.Fuzz), kept as regular tests: a
/// document that parses must format to text that parses back to the same values, and formatting
/// that again must give the same text. Definitions are stored as formatted XML and reread at
/// start, so an unstable value silently changes a pool across a restart.
/// </summary>
public sealed class FuzzFindingsTests
{
    // A carriage return written raw comes back as a newline (XML end-of-line handling); a tab,
    // newline or carriage return written raw in an attribute comes back as a space (attribute
    // value normalization). Each row is a document whose value holds one, as a character reference.
    [Theory]
    [InlineData("pool name, CR in element text", "<pool type='dir'><name>a&#13;b</name><target><path>/srv/a</path></target></pool>")]
    [InlineData("pool target path, CR", "<pool type='dir'><name>a</name><target><path>/srv/a&#13;b</path></target></pool>")]
    [InlineData("rbd source name and host attribute, CR", "<pool type='rbd'><name>a</name><source><name>r&#13;</name><host name='h&#13;'/></source></pool>")]
    [InlineData("host attribute, tab", "<pool type='rbd'><name>a</name><source><name>r</name><host name='h&#9;x'/></source></pool>")]
    [InlineData("host attribute, newline", "<pool type='rbd'><name>a</name><source><name>r</name><host name='h&#10;x'/></source></pool>")]
    [InlineData("device path attribute, newline", "<pool type='disk'><name>d</name><source><device path='/dev/a&#10;b'/></source><target><path>/dev</path></target></pool>")]
    [InlineData("permissions label, CR", "<pool type='dir'><name>a</name><target><path>/srv/a</path><permissions><label>l&#13;</label></permissions></target></pool>")]
    public void Pool_ParseFormatParse_KeepsTabsNewlinesAndCarriageReturns(string what, string xml)
    {
        var first = PoolXml.Parse(xml);
        string once = PoolXml.Format(first);
        var second = PoolXml.Parse(once);
        Assert.True(once == PoolXml.Format(second), what);
        Assert.Equal(first.Name, second.Name);
        Assert.Equal(first.Target.Path, second.Target.Path);
        Assert.Equal(first.Target.Permissions?.Label, second.Target.Permissions?.Label);
        Assert.Equal(first.Source.Name, second.Source.Name);
        Assert.Equal(first.Source.Hosts.Select(h => h.Name), second.Source.Hosts.Select(h => h.Name));
        Assert.Equal(first.Source.Devices.Select(d => d.Path), second.Source.Devices.Select(d => d.Path));
    }

    [Fact]
    public void Volume_KeyAndSecretUsageWithControlCharacters_SurviveFormatAndParse()
    {
        var pool = new PoolDefinition { Type = PoolType.Dir };
        const string xml = "<volume><name>v&#13;</name><key>k&#13;&#10;</key><capacity>1</capacity><target>" +
                           "<encryption format='luks'><secret type='passphrase' usage='u&#9;&#10;&#13;'/></encryption></target></volume>";
        var first = VolumeXml.Parse(xml, pool);
        string once = VolumeXml.Format(first, pool);
        var second = VolumeXml.Parse(once, pool);
        Assert.Equal(once, VolumeXml.Format(second, pool));
        Assert.Equal("v\r", second.Name);
        Assert.Equal("k\r\n", second.Key);
        Assert.Equal("u\t\n\r", second.Target.Encryption!.Secrets.Single().Lookup.Usage);
    }

    [Fact]
    public void FsItem_NameWithCarriageReturn_SurvivesFormatAndParse()
    {
        var pool = new FsPoolDefinition { Type = FsPoolType.Dir };
        var first = FsItemXml.Parse("<fsitem><name>a&#13;</name><capacity>1</capacity></fsitem>", pool);
        var second = FsItemXml.Parse(FsItemXml.Format(first), pool);
        Assert.Equal("a\r", second.Name);
    }

    [Fact]
    public void Escape_WritesTabNewlineAndCarriageReturnAsCharacterReferences()
    {
        Assert.Equal("a&#9;b&#10;c&#13;d&lt;&apos;", LibvirtText.Escape("a\tb\nc\rd<'"));
        Assert.Equal("plain /srv/a b", LibvirtText.Escape("plain /srv/a b"));
    }
}
