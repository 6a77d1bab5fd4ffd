using StorageFs.Backends.Rbd;
using StorageFs.Core.Model;
using StorageFs.Core.Xml;

namespace StorageFs.Backends.Tests.Rbd;

/// <summary>
/// What the rbd backend decides without a cluster: the duplicate-source keys (same monitor and
/// Ceph pool = same source; libvirt refuses none), its capability record, and the host check
/// (librados2 and librbd1 load here). The cluster-backed behaviour is in the integration tests
/// (Tree/RbdPoolTests, Tree/RbdVolumeTests), which need the daemon inside the cluster's
/// network namespace.
/// </summary>
public sealed class RbdPoolBackendTests
{
    private static PoolDefinition Pool(string source, params string[] hosts) => PoolXml.Parse(
        $"<pool type='rbd'><name>p</name><source><name>{source}</name>{string.Concat(hosts)}</source></pool>");

    [Fact]
    public void SourceKeys_NameEachMonitorWithItsPort_AndTheCephPool()
    {
        var backend = new RbdPoolBackend();
        var keys = backend.SourceKeys(Pool("images", "<host name='Mon1.example'/>", "<host name='10.0.0.2' port='3300'/>"));
        Assert.Equal(["rbd:mon1.example:6789/images", "rbd:10.0.0.2:3300/images"], keys);
    }

    [Fact]
    public void TwoPools_ShareAKey_OnlyWhenTheyShareAMonitorAndTheCephPool()
    {
        var backend = new RbdPoolBackend();
        var a = backend.SourceKeys(Pool("images", "<host name='m1'/>", "<host name='m2'/>"));
        var sameMonitor = backend.SourceKeys(Pool("images", "<host name='m2' port='6789'/>"));
        var otherPool = backend.SourceKeys(Pool("volumes", "<host name='m1'/>"));
        Assert.NotEmpty(a.Intersect(sameMonitor));
        Assert.Empty(a.Intersect(otherPool));
    }

    [Fact]
    public void Capabilities_AreLibvirtsRbdTable_PlusTheBytes()
    {
        var c = RbdPoolCapabilities.Value;
        Assert.Equal(PoolType.Rbd, c.Type);
        Assert.False(c.Supports(Core.Backend.PoolOperations.Build));
        Assert.True(c.Supports(Core.Backend.PoolOperations.CloneVolume | Core.Backend.PoolOperations.UploadVolume));
        Assert.Equal(["raw"], c.VolumeFormats);
        Assert.Equal([Core.Backend.WipeAlgorithm.Zero, Core.Backend.WipeAlgorithm.Trim], c.WipeAlgorithms);
    }

    [Fact]
    public void Availability_LoadsLibradosAndLibrbd()
    {
        var a = new RbdPoolBackend().Availability();
        Assert.True(a.Runnable, a.Reason);
    }
}
