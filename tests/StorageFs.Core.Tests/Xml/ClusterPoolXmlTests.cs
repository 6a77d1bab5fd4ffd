using StorageFs.Core.Xml;

namespace StorageFs.Core.Tests.Xml;

/// <summary>
/// <c>&lt;storagefs:cluster/&gt;</c> (docs/CLUSTER.md): StorageFs's own pool namespace element,
/// matched by URI whatever the prefix, kept through parse and format like libvirt's fs and rbd
/// namespaces.
/// </summary>
public sealed class ClusterPoolXmlTests
{
    private const string Source = "<source><host name='192.0.2.1' port='3260'/><device path='iqn.2026-12.org.storagefs:t'/>" +
        "<initiator><iqn name='iqn.2026-12.org.storagefs:i'/></initiator></source>";

    [Fact]
    public void ClusterElement_SurvivesARoundTrip_WithItsAutostart()
    {
        var def = PoolXml.Parse($"<pool type='iscsi-direct' xmlns:storagefs='urn:storagefs:cluster:1.0'><name>p</name>{Source}<storagefs:cluster autostart='yes'/></pool>");
        Assert.Equal(new ClusterPoolSetting(Autostart: true), def.Cluster);
        string xml = PoolXml.Format(def);
        Assert.Contains("<pool type='iscsi-direct' xmlns:storagefs='urn:storagefs:cluster:1.0'>", xml, StringComparison.Ordinal);
        Assert.Contains("<storagefs:cluster autostart='yes'/>", xml, StringComparison.Ordinal);
        Assert.Equal(xml, PoolXml.Format(PoolXml.Parse(xml)));
    }

    [Fact]
    public void ClusterElement_IsMatchedByNamespace_NotPrefix_AndAutostartDefaultsToNo()
    {
        var def = PoolXml.Parse($"<pool type='iscsi-direct' xmlns:x='urn:storagefs:cluster:1.0'><name>p</name>{Source}<x:cluster/></pool>");
        Assert.Equal(new ClusterPoolSetting(Autostart: false), def.Cluster);
        Assert.Contains("<storagefs:cluster autostart='no'/>", PoolXml.Format(def), StringComparison.Ordinal);
    }

    [Fact]
    public void APoolWithoutTheElement_IsThisHostsAlone_AndFormatsWithoutTheNamespace()
    {
        var def = PoolXml.Parse($"<pool type='iscsi-direct'><name>p</name>{Source}<cluster xmlns='urn:other'/></pool>");
        Assert.Null(def.Cluster);
        Assert.DoesNotContain("storagefs:cluster", PoolXml.Format(def), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("<storagefs:cluster autostart='maybe'/>", "storagefs:cluster autostart must be 'yes' or 'no', not 'maybe'")]
    [InlineData("<storagefs:cluster/><storagefs:cluster/>", "only one storagefs:cluster element may be given")]
    public void ABadClusterElement_IsAnXmlError(string element, string message)
    {
        var e = Assert.Throws<StorageException>(() =>
            PoolXml.Parse($"<pool type='iscsi-direct' xmlns:storagefs='urn:storagefs:cluster:1.0'><name>p</name>{Source}{element}</pool>"));
        Assert.Equal(ErrorCode.XmlError, e.Code);
        Assert.EndsWith(message, e.Message, StringComparison.Ordinal);
    }
}
