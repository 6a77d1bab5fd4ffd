using StorageFs.Core.Backend;
using StorageFs.Core.Model;

namespace StorageFs.Backends.Tests.Tools;

/// <summary>The registered backends' capabilities agree with libvirt's per-type rules (the
/// registry is the one list of backends: a new type is checked here with no edit).</summary>
public sealed class AllBackendsTests
{
    private static readonly Dictionary<PoolType, PoolBackendCapabilities> Caps =
        BackendRegistry.Create().PoolCapabilities.ToDictionary(c => c.Type);

    [Fact]
    public void Capabilities_FollowLibvirtsTable()
    {
        Assert.All(Caps.Values, c => Assert.True(c.Supports(PoolOperations.Refresh)));
        // libvirt's iscsi, iscsi-direct, scsi, mpath and gluster pools create no volumes.
        Assert.All(new[] { PoolType.Iscsi, PoolType.IscsiDirect, PoolType.Scsi, PoolType.Mpath, PoolType.Gluster },
            t => Assert.False(Caps[t].VolumeFormats.Count > 0 || Caps[t].Supports(PoolOperations.CreateVolume), t.ToXml()));
        Assert.True(Caps[PoolType.Logical].Supports(PoolOperations.CreateVolume | PoolOperations.ResizeVolume));
        // libvirt's disk pools cannot resize; ours can (the tree cuts a partition made for a copy).
        Assert.True(Caps[PoolType.Disk].Supports(PoolOperations.ResizeVolume));
        Assert.False(Caps[PoolType.Disk].Supports(PoolOperations.Stop));
        Assert.Equal([WipeAlgorithm.Zero], Caps[PoolType.IscsiDirect].WipeAlgorithms);
        Assert.Equal(PoolBuildFlags.Overwrite | PoolBuildFlags.NoOverwrite, Caps[PoolType.Fs].BuildFlags);
        Assert.Contains("ploop", Caps[PoolType.Fs].VolumeFormats);
        Assert.Equal([PoolType.Dir, PoolType.Fs, PoolType.NetFs],
            Caps.Values.Where(c => c.TargetIsDirectory).Select(c => c.Type).Order());
    }
}
