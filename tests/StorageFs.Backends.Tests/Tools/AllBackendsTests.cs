using StorageFs.Core.Backend;
using StorageFs.Core.Model;
using StorageFs.Backends.Dir;
using StorageFs.Backends.Disk;
using StorageFs.Backends.Fs;
using StorageFs.Backends.Gluster;
using StorageFs.Backends.Iscsi;
using StorageFs.Backends.IscsiDirect;
using StorageFs.Backends.Logical;
using StorageFs.Backends.Mpath;
using StorageFs.Backends.NetFs;
using StorageFs.Backends.Scsi;

namespace StorageFs.Backends.Tests.Tools;

/// <summary>Every backend in one table, as the registry will list them; capabilities agree with
/// libvirt's per-type rules.</summary>
public sealed class AllBackendsTests
{
    private static readonly IPoolBackend[] All =
    [
        new DirPoolBackend(), new FsPoolBackend(), new NetFsPoolBackend(), new LogicalPoolBackend(), new DiskPoolBackend(),
        new IscsiPoolBackend(), new IscsiDirectPoolBackend(), new ScsiPoolBackend(), new MpathPoolBackend(), new GlusterPoolBackend(),
    ];

    [Fact]
    public void OneTable_HoldsEveryBackend_OnePerType()
    {
        var table = new BackendTable(All, []);

        Assert.Equal(10, table.PoolCapabilities.Count);
    }

    [Fact]
    public void Capabilities_FollowLibvirtsTable()
    {
        var caps = All.ToDictionary(b => b.Capabilities.Type, b => b.Capabilities);

        Assert.All(caps.Values, c => Assert.True(c.Supports(PoolOperations.Refresh)));
        Assert.All(caps.Values.Where(c => c.VolumeFormats.Count > 0 || c.Supports(PoolOperations.CreateVolume)),
            c => Assert.Contains(c.Type, new[] { PoolType.Dir, PoolType.Fs, PoolType.NetFs, PoolType.Logical, PoolType.Disk }));
        Assert.True(caps[PoolType.Logical].Supports(PoolOperations.CreateVolume | PoolOperations.ResizeVolume));
        // libvirt's disk pools cannot resize; ours can (the tree cuts a partition made for a copy).
        Assert.True(caps[PoolType.Disk].Supports(PoolOperations.ResizeVolume));
        Assert.False(caps[PoolType.Disk].Supports(PoolOperations.Stop));
        Assert.Equal([WipeAlgorithm.Zero], caps[PoolType.IscsiDirect].WipeAlgorithms);
        Assert.Equal(PoolBuildFlags.Overwrite | PoolBuildFlags.NoOverwrite, caps[PoolType.Fs].BuildFlags);
        Assert.Contains("ploop", caps[PoolType.Fs].VolumeFormats);
        Assert.True(caps[PoolType.Fs].TargetIsDirectory && caps[PoolType.NetFs].TargetIsDirectory);
        Assert.All(caps.Values.Where(c => c.Type is not (PoolType.Dir or PoolType.Fs or PoolType.NetFs)),
            c => Assert.False(c.TargetIsDirectory));
    }
}
