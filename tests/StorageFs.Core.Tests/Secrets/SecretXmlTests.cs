using StorageFs.Core.Secrets;
using StorageFs.Core.Xml;

namespace StorageFs.Core.Tests.Secrets;

/// <summary>The <c>&lt;secret&gt;</c> codec's rules and libvirt's messages (secret_conf.c).</summary>
public sealed class SecretXmlTests
{
    [Fact]
    public void Parse_WithoutUuidOrAttributes_GeneratesAUuid_AndFormatsBothAttributesAsNo()
    {
        var def = SecretDefinitionXml.Parse("<secret><usage type='ceph'><name>client.admin</name></usage></secret>");

        Assert.NotEqual(Guid.Empty, def.Uuid);
        Assert.Equal(
            $"<secret ephemeral='no' private='no'>\n  <uuid>{def.Uuid:D}</uuid>\n  <usage type='ceph'>\n    <name>client.admin</name>\n  </usage>\n</secret>\n",
            SecretDefinitionXml.Format(def));
    }

    [Fact]
    public void Format_EscapesTheDescriptionAndUsage_AndOmitsUsageNone()
    {
        var def = SecretDefinitionXml.Parse(
            "<secret private='yes'><uuid>f52a81b2-424e-490c-823d-6bd4235bc572</uuid><description>a &lt;b&gt; &amp; 'c'</description><usage type='none'/></secret>");

        Assert.Equal(
            "<secret ephemeral='no' private='yes'>\n  <uuid>f52a81b2-424e-490c-823d-6bd4235bc572</uuid>\n  <description>a &lt;b&gt; &amp; &apos;c&apos;</description>\n</secret>\n",
            SecretDefinitionXml.Format(def));
        Assert.Equal(SecretUsageType.None, def.UsageType);
    }

    [Theory]
    [InlineData("<pool/>", "XML error: expecting root element of 'secret', not 'pool'")]
    [InlineData("<secret ephemeral='maybe'/>", "XML error: invalid value of 'ephemeral'")]
    [InlineData("<secret private='1'/>", "XML error: invalid value of 'private'")]
    [InlineData("<secret><uuid>nope</uuid></secret>", "XML error: malformed uuid element")]
    [InlineData("<secret><usage/></secret>", "XML error: unknown secret usage type")]
    [InlineData("<secret><usage type='disk'/></secret>", "XML error: unknown secret usage type disk")]
    [InlineData("<secret><usage type='volume'/></secret>", "XML error: volume usage specified, but volume path is missing")]
    [InlineData("<secret><usage type='ceph'><target>x</target></usage></secret>", "XML error: Ceph usage specified, but name is missing")]
    [InlineData("<secret><usage type='iscsi'><name>x</name></usage></secret>", "XML error: iSCSI usage specified, but target is missing")]
    [InlineData("<secret><usage type='tls'/></secret>", "XML error: TLS usage specified, but name is missing")]
    [InlineData("<secret><usage type='vtpm'/></secret>", "XML error: vTPM usage specified, but name is missing")]
    public void Parse_BadDocument_FailsWithLibvirtsMessage(string xml, string message)
    {
        var e = Assert.Throws<StorageException>(() => SecretDefinitionXml.Parse(xml));

        Assert.Equal(message, e.Message);
    }
}
