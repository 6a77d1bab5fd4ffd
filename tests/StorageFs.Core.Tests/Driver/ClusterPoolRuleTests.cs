using StorageFs.Core.Driver;

namespace StorageFs.Core.Tests.Driver;

/// <summary>A host in no cluster refuses cluster-wide pools and leaves no trace (docs/CLUSTER.md).</summary>
public sealed class ClusterPoolRuleTests : IDisposable
{
    private readonly DriverFixture _fx = new();

    public void Dispose() => _fx.Dispose();

    [Fact]
    public void DefineClusterWidePool_OnAHostInNoCluster_FailsWithConfigUnsupported_AndLeavesNoTrace()
    {
        var driver = _fx.NewDriver();
        string xml = _fx.DirPool("p").Replace("<pool type='dir'>", "<pool type='dir' xmlns:storagefs='urn:storagefs:cluster:1.0'>", StringComparison.Ordinal)
            .Replace("</pool>", "<storagefs:cluster/></pool>", StringComparison.Ordinal);
        Assert.Null(driver.Cluster);
        var e = Assert.Throws<StorageException>(() => driver.DefinePool(xml));
        Assert.Equal(ErrorCode.ConfigUnsupported, e.Code);
        Assert.Contains("belongs to no cluster", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<StorageException>(() => driver.Define(xml, transient: false));
        Assert.Equal(ErrorCode.ConfigUnsupported, e.Code);
        Assert.Null(driver.FindPool("p"));
        Assert.False(File.Exists(Path.Combine(_fx.Config, "pools", "p.xml")));
    }

    [Fact]
    public void SharedSourceConflict_NamesTheOtherClusterPool_WhenTheSourceMatches()
    {
        static PoolDefinition Netfs(string name, string dir) => StorageFs.Core.Xml.PoolXml.Parse(
            $"<pool type='netfs'><name>{name}</name><source><host name='gfs.example'/><dir path='{dir}'/><format type='glusterfs'/></source><target><path>/srv/{name}</path></target></pool>");
        Assert.Equal("Storage source conflict with pool: 'a' (a cluster-wide pool)",
            StorageDriver.SharedSourceConflict(Netfs("b", "/vol"), [Netfs("a", "/vol")]));
        Assert.Null(StorageDriver.SharedSourceConflict(Netfs("b", "/other"), [Netfs("a", "/vol")]));
        Assert.Null(StorageDriver.SharedSourceConflict(Netfs("a", "/vol"), [Netfs("a", "/vol")]));
    }
}
