using System.Text;
using StorageFs.Core.Xml;

namespace StorageFs.Core.Tests.Xml;

public sealed class HostileXmlTests
{
    private const string BillionLaughs = """
        <?xml version="1.0"?>
        <!DOCTYPE lolz [
          <!ENTITY lol "lol">
          <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
          <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
          <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
          <!ENTITY lol9 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
        ]>
        <pool type='dir'><name>&lol9;</name><target><path>/srv/p</path></target></pool>
        """;

    private const string ExternalEntity = """
        <?xml version="1.0"?>
        <!DOCTYPE pool [ <!ENTITY x SYSTEM "file:///etc/passwd"> ]>
        <pool type='dir'><name>&x;</name><target><path>/srv/p</path></target></pool>
        """;

    [Fact]
    public void Parse_BillionLaughs_IsRefusedAsADtd_WithoutExpandingAnything()
    {
        var e = Assert.Throws<StorageException>(() => PoolXml.Parse(BillionLaughs));
        Assert.Equal(ErrorCode.XmlError, e.Code);
        Assert.Contains("document type declarations (<!DOCTYPE>) are not allowed", e.Message);
    }

    [Fact]
    public void Parse_ExternalEntity_IsRefused_AndNoFileIsRead()
    {
        var e = Assert.Throws<StorageException>(() => PoolXml.Parse(ExternalEntity));
        Assert.Contains("external entities are refused", e.Message);
        Assert.DoesNotContain("root:", e.Message);
    }

    [Fact]
    public void Parse_VolumeWithDoctype_IsRefusedToo()
    {
        var pool = PoolXml.Parse("<pool type='dir'><name>p</name><target><path>/srv/p</path></target></pool>");
        var e = Assert.Throws<StorageException>(() => VolumeXml.Parse(ExternalEntity.Replace("pool", "volume"), pool));
        Assert.Contains("(storage_volume_definition)", e.Message);
    }

    [Fact]
    public void Parse_DocumentOverOneMebibyte_IsRefusedBeforeParsing()
    {
        // 2 MiB of valid XML: refused for its size, not for its content.
        var sb = new StringBuilder("<pool type='dir'><name>p</name><target><path>/srv/p</path></target>");
        while (sb.Length < 2 * 1024 * 1024)
        {
            sb.Append("<!-- padding padding padding padding padding padding padding -->");
        }
        sb.Append("</pool>");
        var e = Assert.Throws<StorageException>(() => PoolXml.Parse(sb.ToString()));
        Assert.Equal(ErrorCode.XmlError, e.Code);
        Assert.Contains("over the 1048576-byte limit", e.Message);
    }

    [Fact]
    public void Parse_DocumentOfExactlyTheLimit_IsStillParsed()
    {
        const string head = "<pool type='dir'><name>p</name><target><path>/srv/p</path></target>";
        const string tail = "</pool>";
        var padding = new string(' ', SafeXml.MaxDocumentBytes - head.Length - tail.Length);
        var def = PoolXml.Parse(head + padding + tail);
        Assert.Equal("p", def.Name);
    }

    [Theory]
    [InlineData("<pool type='dir'><name>p</name>", "(storage_pool_definition):1:")]
    [InlineData("", "(storage_pool_definition)")]
    [InlineData("<pool type='dir'><name>p</nam></pool>", "(storage_pool_definition):1:")]
    public void Parse_MalformedXml_SaysWhereAsLibvirtDoes(string xml, string expected)
    {
        var e = Assert.Throws<StorageException>(() => PoolXml.Parse(xml));
        Assert.Equal(ErrorCode.XmlError, e.Code);
        Assert.StartsWith("XML error: " + expected, e.Message);
    }

    [Fact]
    public void Parse_WrongRootElement_NamesBothElements()
    {
        var e = Assert.Throws<StorageException>(() => PoolXml.Parse("<volume><name>v</name></volume>"));
        Assert.Equal("XML error: unexpected root element <volume>, expecting <pool>", e.Message);
    }

    /// <summary>100,000 levels (700 KB) took 33 s; libxml2, and so libvirt, stop at 256.</summary>
    [Fact]
    public void Parse_NestedDeeperThan256_IsRefusedAtOnce()
    {
        const int depth = 100_000;
        string doc = "<pool type='dir'><name>deep</name>" + string.Concat(Enumerable.Repeat("<a>", depth)) +
            string.Concat(Enumerable.Repeat("</a>", depth)) + "<target><path>/srv/p</path></target></pool>";
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var e = Assert.Throws<StorageException>(() => PoolXml.Parse(doc));
        clock.Stop();
        Assert.Equal(ErrorCode.XmlError, e.Code);
        Assert.Contains("elements nested more than 256 deep", e.Message, StringComparison.Ordinal);
        // Generous (a shared, loaded machine): the point is milliseconds, not the 33 s it took.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"took {clock.Elapsed}");
    }

    [Fact]
    public void Parse_NestedWithinTheLimit_IsNotRefusedForDepth()
    {
        string doc = "<pool type='dir'><name>deep</name>" + string.Concat(Enumerable.Repeat("<a>", 250)) +
            string.Concat(Enumerable.Repeat("</a>", 250)) + "<target><path>/srv/p</path></target></pool>";
        Assert.Equal("deep", PoolXml.Parse(doc).Name);
    }
}
