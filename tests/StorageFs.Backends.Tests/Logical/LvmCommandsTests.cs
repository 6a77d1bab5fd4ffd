using StorageFs.Core.Model;
using StorageFs.Backends.Logical;

namespace StorageFs.Backends.Tests.Logical;

/// <summary>The LVM argv (libvirt's, plus --driverloaded n when device-mapper is off) and the
/// JSON report parsing.</summary>
public sealed class LvmCommandsTests
{
    [Fact]
    public void Production_Commands_AreLibvirts()
    {
        var lvm = new LvmCommands();
        Assert.Equal(["vgchange", "-aly", "vg"], lvm.Activate("vg"));
        Assert.Equal(["vgchange", "-aln", "vg"], lvm.Deactivate("vg"));
        Assert.Equal(["lvcreate", "--name", "v", "-L", "102400K", "vg", "--yes"], lvm.LvCreate("vg", "v", 100UL << 20, 100UL << 20, null));
        Assert.Equal(["lvremove", "-f", "/dev/vg/v"], lvm.LvRemove("/dev/vg/v"));
        Assert.Equal(["vgcreate", "vg", "/dev/sdb", "/dev/sdc"], lvm.VgCreate("vg", ["/dev/sdb", "/dev/sdc"]));
    }

    [Fact]
    public void SparseVolume_IsASnapshotWithAVirtualSize_SizesRoundedUpToKiB()
    {
        Assert.Equal(["lvcreate", "--name", "v", "-L", "1K", "--type", "snapshot", "--virtualsize", "1048577K", "vg", "--yes"],
            new LvmCommands().LvCreate("vg", "v", (1UL << 30) + 1, 0, null));
    }

    [Fact]
    public void BackedVolume_IsASnapshotOfItsBackingStore()
    {
        Assert.Equal(["lvcreate", "--name", "s", "-L", "4096K", "-s", "/dev/vg/base", "--yes"],
            new LvmCommands().LvCreate("vg", "s", 4UL << 20, 4UL << 20, "/dev/vg/base"));
    }

    [Fact]
    public void WithoutDeviceMapper_EveryCommandSaysDriverloadedN_RightAfterItsName()
    {
        var lvm = new LvmCommands(deviceMapper: false);
        Assert.Equal(["vgchange", "--driverloaded", "n", "-aly", "vg"], lvm.Activate("vg"));
        Assert.Equal(["lvremove", "--driverloaded", "n", "-f", "/dev/vg/v"], lvm.LvRemove("/dev/vg/v"));
    }

    [Fact]
    public void LvsReport_GroupsSegmentsIntoVolumes_WithExtentsInBytes()
    {
        const string json = """
              {
                  "report": [
                      {
                          "lv": [
                              {"lv_name":"a", "origin":"", "lv_uuid":"u-a", "devices":"/dev/loop0(0)", "segtype":"linear", "stripes":"1", "seg_size":"62914560", "vg_extent_size":"4194304", "lv_size":"104857600", "lv_attr":"-wi-XX----", "lv_path":"/dev/vg/a"},
                              {"lv_name":"a", "origin":"", "lv_uuid":"u-a", "devices":"/dev/loop1(0)", "segtype":"linear", "stripes":"1", "seg_size":"41943040", "vg_extent_size":"4194304", "lv_size":"104857600", "lv_attr":"-wi-XX----", "lv_path":"/dev/vg/a"},
                              {"lv_name":"pool", "origin":"", "lv_uuid":"u-p", "devices":"pool_tdata(0)", "segtype":"thin-pool", "stripes":"1", "seg_size":"4194304", "vg_extent_size":"4194304", "lv_size":"4194304", "lv_attr":"twi---tz--", "lv_path":""}
                          ]
                      }
                  ]
              }
            """;
        var pool = new PoolDefinition { Type = PoolType.Logical, Name = "p" };
        pool.Source.Name = "vg";
        pool.Target.Path = "/dev/vg";

        var vol = Assert.Single(LogicalPoolBackend.Volumes(pool, LvmReport.Segments(json)));

        Assert.Equal(("a", "u-a", 104857600UL, "/dev/vg/a"), (vol.Name, vol.Key, vol.Capacity, vol.Target.Path));
        Assert.Equal([new VolumeExtent("/dev/loop0", 0, 62914560), new VolumeExtent("/dev/loop1", 0, 41943040)], vol.Extents);
    }
}
