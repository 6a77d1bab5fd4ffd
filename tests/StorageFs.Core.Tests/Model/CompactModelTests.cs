using StorageFs.Core.Driver;
using StorageFs.Core.Model;
using StorageFs.Core.Xml;

namespace StorageFs.Core.Tests.Model;

/// <summary>
/// The model types a million volumes hold one of each store their fields compactly (timestamps,
/// permissions, a file volume's path and key in parts): they must still read back exactly what
/// was set, "not set" included, and format and copy as before.
/// </summary>
public sealed class CompactModelTests
{
    [Fact]
    public void Timestamps_ReadBackWhatWasSet_NullsIncluded()
    {
        var ts = new VolumeTimestamps { Atime = new VolumeTimestamp(1_700_000_000, 999_999_999), Ctime = new VolumeTimestamp(0, 0) };
        Assert.Equal(new VolumeTimestamp(1_700_000_000, 999_999_999), ts.Atime);
        Assert.Null(ts.Mtime);
        Assert.Equal(new VolumeTimestamp(0, 0), ts.Ctime);
        Assert.Null(ts.Btime);
        ts.Atime = null;
        ts.Btime = new VolumeTimestamp(-5, 7);
        Assert.Null(ts.Atime);
        Assert.Equal(new VolumeTimestamp(-5, 7), ts.Btime);
    }

    [Fact]
    public void Permissions_ReadBackWhatWasSet_ZeroIsNotUnset()
    {
        var p = new StoragePermissions();
        Assert.True(p.IsEmpty);
        p.Owner = 0;
        Assert.False(p.IsEmpty);
        Assert.Equal(0u, p.Owner);
        Assert.Null(p.Mode);
        Assert.Null(p.Group);
        p.Mode = 0x1ff;
        p.Group = 4_294_967_294;
        p.Owner = null;
        Assert.Equal(0x1ffu, p.Mode);
        Assert.Equal(4_294_967_294u, p.Group);
        Assert.Null(p.Owner);
    }

    [Fact]
    public void PathAndKeyInParts_ReadAsTheCombinedPath_SurviveACopy_AndASetReplacesThem()
    {
        var vol = new VolumeDefinition { Name = "v.raw" };
        vol.SetKeyIn("/srv/pool", vol.Name);
        vol.Target.SetPathIn("/srv/pool/", vol.Name);
        Assert.Equal("/srv/pool/v.raw", vol.Key);
        Assert.Equal("/srv/pool/v.raw", vol.Target.Path);
        Assert.Contains("<path>/srv/pool/v.raw</path>", VolumeXml.Format(vol, PoolTypes.Get(PoolType.Dir)), StringComparison.Ordinal);
        Assert.Contains("<key>/srv/pool/v.raw</key>", VolumeXml.Format(vol, PoolTypes.Get(PoolType.Dir)), StringComparison.Ordinal);

        Assert.True(vol.KeyIs("/srv/pool/v.raw"));
        Assert.True(vol.Target.PathIs("/srv/pool/v.raw"));
        foreach (var other in new[] { "/srv/pool/v.ra", "/srv/pool/v.raw2", "/srv/poolv.raw", "/srv/pool//v.raw", "/srv/pooX/v.raw", "v.raw", "" })
        {
            Assert.False(vol.KeyIs(other), other);
            Assert.False(vol.Target.PathIs(other), other);
        }
        Assert.False(vol.KeyIs(null));

        var copy = DefinitionCopy.Of(vol);
        Assert.Equal("/srv/pool/v.raw", copy.Key);
        Assert.Equal("/srv/pool/v.raw", copy.Target.Path);
        Assert.Empty(copy.Extents);

        vol.Key = "other";
        vol.Target.Path = "/elsewhere";
        Assert.Equal("other", vol.Key);
        Assert.Equal("/elsewhere", vol.Target.Path);
        Assert.True(vol.KeyIs("other"));
        Assert.True(vol.Target.PathIs("/elsewhere"));
        Assert.Equal("/srv/pool/v.raw", copy.Key);
    }

    [Fact]
    public void SharedPermissions_AreOneInstancePerValues_ReadOnly_AndFormatAndCopyAsOwnOnes()
    {
        var a = StoragePermissions.Shared(0x1a4, 0, 0);
        Assert.Same(a, StoragePermissions.Shared(0x1a4, 0, 0));
        Assert.NotSame(a, StoragePermissions.Shared(0x1a4, 0, 1));
        Assert.True(a.IsShared);
        Assert.False(a.IsEmpty);
        Assert.Equal((0x1a4u, 0u, 0u), (a.Mode!.Value, a.Owner!.Value, a.Group!.Value));
        Assert.Throws<InvalidOperationException>(() => a.Mode = 0x1ff);
        Assert.Throws<InvalidOperationException>(() => a.Owner = null);
        Assert.Throws<InvalidOperationException>(() => a.Label = "x");
        Assert.Equal((0x1a4u, 0u), (a.Mode!.Value, a.Owner!.Value));

        var own = new VolumeDefinition { Name = "v.raw" };
        own.Target.Permissions = new StoragePermissions { Mode = 0x1a4, Owner = 0, Group = 0 };
        var shared = new VolumeDefinition { Name = "v.raw" };
        shared.Target.Permissions = a;
        var dir = PoolTypes.Get(PoolType.Dir);
        Assert.Equal(VolumeXml.Format(own, dir), VolumeXml.Format(shared, dir));
        var copy = DefinitionCopy.Of(shared);
        Assert.False(copy.Target.Permissions.IsShared);
        copy.Target.Permissions.Mode = 0x180;
        Assert.Equal(0x1a4u, a.Mode);
    }

    [Fact]
    public void RareTargetFields_ReadBackWhatWasSet_AndDefaultsFormatAsNone()
    {
        var t = new VolumeTarget();
        (t.Compat, t.Features, t.Encryption, t.NoCow, t.ClusterSize) = (null, null, null, false, 0);
        Assert.Null(t.Compat);
        Assert.False(t.NoCow);
        Assert.Equal(0ul, t.ClusterSize);
        t.ClusterSize = 65536;
        t.Compat = "1.1";
        t.NoCow = true;
        Assert.Equal((65536ul, "1.1", true), (t.ClusterSize, t.Compat, t.NoCow));
        Assert.Null(t.Features);
        Assert.Null(t.Encryption);
        t.Compat = null;
        t.NoCow = false;
        Assert.Null(t.Compat);
        Assert.False(t.NoCow);
        Assert.Equal(65536ul, t.ClusterSize);

        var pool = PoolXml.Parse("<pool type='dir'><name>p</name><target><path>/srv/p</path></target></pool>");
        var vol = VolumeXml.Parse("<volume><name>q</name><capacity>1</capacity><target><format type='qcow2'/><compat>1.1</compat><features><lazy_refcounts/></features><clusterSize unit='KiB'>64</clusterSize></target></volume>", pool);
        string xml = VolumeXml.Format(vol, PoolTypes.Get(PoolType.Dir));
        Assert.Contains("<compat>1.1</compat>", xml, StringComparison.Ordinal);
        Assert.Contains("<lazy_refcounts/>", xml, StringComparison.Ordinal);
        Assert.Equal(xml, VolumeXml.Format(DefinitionCopy.Of(vol), PoolTypes.Get(PoolType.Dir)));
        Assert.DoesNotContain("<compat>", VolumeXml.Format(new VolumeDefinition { Name = "r" }, PoolTypes.Get(PoolType.Dir)), StringComparison.Ordinal);
    }
}
