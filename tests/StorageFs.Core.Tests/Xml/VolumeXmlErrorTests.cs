using StorageFs.Core.Xml;

namespace StorageFs.Core.Tests.Xml;

/// <summary>Rejected volume documents give libvirt's message, naming the element at fault.</summary>
public sealed class VolumeXmlErrorTests
{
    private static readonly PoolDefinition DirPool =
        PoolXml.Parse("<pool type='dir'><name>p</name><target><path>/srv/p</path></target></pool>");

    public static TheoryData<string, ErrorCode, string> Cases => new()
    {
        { "<volume><capacity>1</capacity></volume>", ErrorCode.XmlError, "XML error: missing volume name element" },
        { "<volume><name>v</name></volume>", ErrorCode.XmlError, "XML error: missing capacity element" },
        { "<volume><name>v</name><capacity>-1</capacity></volume>", ErrorCode.XmlError, "XML error: malformed capacity element" },
        { "<volume><name>v</name><capacity>1.5</capacity></volume>", ErrorCode.XmlError, "XML error: malformed capacity element" },
        { "<volume><name>v</name><capacity>1</capacity><allocation>lots</allocation></volume>",
          ErrorCode.XmlError, "XML error: malformed allocation element" },
        { "<volume><name>v</name><capacity unit='Q'>1</capacity></volume>",
          ErrorCode.InvalidArg, "invalid argument: unknown suffix 'Q' (attribute 'unit' of element 'capacity')" },
        { "<volume><name>v</name><capacity unit='E'>8</capacity></volume>",
          ErrorCode.InvalidArg, "numerical overflow: value too large: 8E (element 'capacity')" },
        { "<volume type='disk'><name>v</name><capacity>1</capacity></volume>",
          ErrorCode.ConfigUnsupported, "unsupported configuration: unknown volume type 'disk'" },
        { "<volume><name>v</name><capacity>1</capacity><target><format type='vfat'/></target></volume>",
          ErrorCode.ConfigUnsupported, "unsupported configuration: unknown volume format type vfat" },
        { "<volume><name>v</name><capacity>1</capacity><target><format type='none'/></target></volume>",
          ErrorCode.ConfigUnsupported, "unsupported configuration: unknown volume format type none" },
        { "<volume><name>v</name><capacity>1</capacity><backingStore><path>/b</path><format type='x'/></backingStore></volume>",
          ErrorCode.ConfigUnsupported, "unsupported configuration: unknown volume format type x" },
        { "<volume><name>v</name><capacity>1</capacity><target><compat>1</compat></target></volume>",
          ErrorCode.XmlError, "XML error: forbidden characters in 'compat' attribute" },
        { "<volume><name>v</name><capacity>1</capacity><target><compat>1.x</compat></target></volume>",
          ErrorCode.XmlError, "XML error: forbidden characters in 'compat' attribute" },
        { "<volume><name>v</name><capacity>1</capacity><target><features><turbo/></features></target></volume>",
          ErrorCode.ConfigUnsupported, "unsupported configuration: unsupported feature turbo" },
        { "<volume><name>v</name><capacity>1</capacity><target><clusterSize>big</clusterSize></target></volume>",
          ErrorCode.XmlError, "XML error: Invalid value 'big' for element or attribute './target/clusterSize'" },
        { "<volume><name>v</name><capacity>1</capacity><target><encryption/></target></volume>",
          ErrorCode.XmlError, "XML error: unknown volume encryption format" },
        { "<volume><name>v</name><capacity>1</capacity><target><encryption format='aes'/></target></volume>",
          ErrorCode.ConfigUnsupported, "unsupported configuration: unknown volume encryption format type aes" },
        { "<volume><name>v</name><capacity>1</capacity><target><encryption format='luks' engine='default'/></target></volume>",
          ErrorCode.XmlError, "XML error: Invalid value for attribute 'engine' in element 'encryption': 'default'." },
        { "<volume><name>v</name><capacity>1</capacity><target><encryption format='luks'><secret uuid='f52a81b2-424e-490c-823d-6bd4235bc572'/></encryption></target></volume>",
          ErrorCode.XmlError, "XML error: unknown volume encryption secret type" },
        { "<volume><name>v</name><capacity>1</capacity><target><encryption format='luks'><secret type='key' usage='u'/></encryption></target></volume>",
          ErrorCode.ConfigUnsupported, "unsupported configuration: unknown volume encryption secret type key" },
        { "<volume><name>v</name><capacity>1</capacity><target><encryption format='luks'><cipher size='256'/></encryption></target></volume>",
          ErrorCode.XmlError, "XML error: cipher info missing 'name' attribute" },
        { "<volume><name>v</name><capacity>1</capacity><target><encryption format='luks'><cipher name='aes'/></encryption></target></volume>",
          ErrorCode.XmlError, "XML error: Missing required attribute 'size' in element 'cipher'" },
        { "<volume><name>v</name><capacity>1</capacity><target><encryption format='luks'><ivgen name='plain64'/></encryption></target></volume>",
          ErrorCode.XmlError, "XML error: ivgen element found, but cipher is missing" },
        { "<volume><name>v</name><capacity>1</capacity><target><permissions><mode>abc</mode></permissions></target></volume>",
          ErrorCode.XmlError, "XML error: malformed octal mode" },
        { "<pool type='dir'><name>p</name></pool>", ErrorCode.XmlError, "XML error: unexpected root element <pool>, expecting <volume>" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Parse_InvalidVolume_FailsWithLibvirtsMessage(string xml, ErrorCode code, string message)
    {
        var e = Assert.Throws<StorageException>(() => VolumeXml.Parse(xml, DirPool));
        Assert.Equal(message, e.Message);
        Assert.Equal(code, e.Code);
    }

    [Fact]
    public void Parse_NoCapacityButBackingStore_IsAcceptedOnlyWithOptCapacity()
    {
        const string xml = "<volume><name>v</name><backingStore><path>/b</path></backingStore></volume>";
        Assert.Throws<StorageException>(() => VolumeXml.Parse(xml, DirPool));
        var def = VolumeXml.Parse(xml, DirPool, VolumeParseFlags.OptCapacity);
        Assert.Equal("raw", def.BackingStore!.Format);
    }
}
