namespace StorageFs.Core.Tests.Model;

public sealed class PoolTypesTests
{
    [Fact]
    public void Table_HasOneRowPerType_InEnumOrder()
    {
        var types = Enum.GetValues<PoolType>();
        Assert.Equal(types.Length, PoolTypes.All.Count);
        foreach (var type in types)
        {
            Assert.Equal(type, PoolTypes.Get(type).Type);
            Assert.True(PoolTypes.TryParse(type.ToXml(), out var parsed));
            Assert.Equal(type, parsed);
        }
        Assert.False(PoolTypes.TryParse("DIR", out _));
    }

    [Theory]
    [InlineData(PoolType.Dir, false, "raw")]
    [InlineData(PoolType.Fs, true, "raw")]
    [InlineData(PoolType.NetFs, true, "raw")]
    [InlineData(PoolType.Logical, true, null)]
    [InlineData(PoolType.Disk, true, "none")]
    [InlineData(PoolType.Iscsi, false, null)]
    [InlineData(PoolType.Rbd, false, "raw")]
    [InlineData(PoolType.Gluster, false, "raw")]
    [InlineData(PoolType.Vstorage, false, "raw")]
    [InlineData(PoolType.Zfs, false, null)]
    public void Rules_MatchLibvirtsPoolTypeInfo(PoolType type, bool hasSourceFormat, string? defaultVolumeFormat)
    {
        var info = PoolTypes.Get(type);
        Assert.Equal(hasSourceFormat, info.HasSourceFormat);
        Assert.Equal(defaultVolumeFormat, info.DefaultVolumeFormat);
    }

    [Fact]
    public void NetworkPools_AreExactlyThoseWithoutATarget()
    {
        var network = PoolTypes.All.Where(i => !i.HasTarget).Select(i => i.Type).ToArray();
        Assert.Equal([PoolType.IscsiDirect, PoolType.Rbd, PoolType.Sheepdog, PoolType.Gluster], network);
    }

    [Fact]
    public void FormatEnums_MatchTheirNameTables()
    {
        Assert.Equal(StorageFormats.File.Count, Enum.GetValues<VolumeFileFormat>().Length);
        Assert.Equal(StorageFormats.DiskPartition.Count, Enum.GetValues<DiskPartitionType>().Length);
        Assert.Equal(StorageFormats.FsPool.Count, Enum.GetValues<FsPoolFormat>().Length);
        Assert.Equal(StorageFormats.NetFsPool.Count, Enum.GetValues<NetFsPoolFormat>().Length);
        Assert.Equal(StorageFormats.DiskLabel.Count, Enum.GetValues<DiskLabelFormat>().Length);
        Assert.Equal(StorageFormats.LogicalPool.Count, Enum.GetValues<LogicalPoolFormat>().Length);
        Assert.Equal("qcow2", VolumeFileFormat.Qcow2.ToXml());
        Assert.Equal("hfs+", FsPoolFormat.HfsPlus.ToXml());
        Assert.Equal("linux-swap", DiskPartitionType.LinuxSwap.ToXml());
        Assert.True(StorageFormats.TryParse<DiskLabelFormat>(StorageFormats.DiskLabel, "gpt", out var gpt));
        Assert.Equal(DiskLabelFormat.Gpt, gpt);
        Assert.False(StorageFormats.TryParse<NetFsPoolFormat>(StorageFormats.NetFsPool, "NFS", out _));
    }
}
