using StorageFs.Backends.Tests.Fixtures;
using StorageFs.Core;
using StorageFs.Core.Model;
using StorageFs.Backends.Disk;

namespace StorageFs.Backends.Tests.Disk;

/// <summary>parted's machine output, partition node names, and placement of new partitions.</summary>
public sealed class PartitionTableTests
{
    [Fact]
    public void Parse_DosTable_SeparatesPartitionsFromFreeRegions()
    {
        var table = PartedTable.Parse(FixtureFiles.Read("parted/msdos-extended.txt"));

        Assert.Equal((268435456UL, 512u, "msdos", "dos"), (table.Size, table.SectorSize, table.Label, table.LibvirtLabel));
        Assert.Equal([1, 2, 3, 5], table.Partitions.Select(p => p.Number));
        Assert.Equal(new PartedRegion(2, 2097152, 3145727, "", "", "swap"), table.Partitions[1]);
        Assert.Equal(4, table.Free.Count);
        Assert.Equal(1048576UL, table.Partitions[0].Size);
    }

    [Fact]
    public void Parse_GptTable_KeepsPartitionNames()
    {
        var table = PartedTable.Parse(FixtureFiles.Read("parted/gpt-two.txt"));

        Assert.Equal("gpt", table.LibvirtLabel);
        Assert.All(table.Partitions, p => Assert.Equal("primary", p.Name));
        Assert.Equal(268418559UL, table.Free[^1].End);
    }

    [Fact]
    public void Parse_EscapedColonInAName_StaysInTheName()
    {
        var table = PartedTable.Parse("BYT;\n/dev/sda:1000000B:scsi:512:512:gpt:Disk:;\n1:1048576B:2097151B:1048576B:ext4:a\\:b:boot;\n");

        Assert.Equal("a:b", table.Partitions[0].Name);
        Assert.Equal("ext4", table.Partitions[0].FileSystem);
    }

    [Theory]
    [InlineData("/dev/loop0", TristateBool.Absent, 1, "/dev/loop0p1")]
    [InlineData("/dev/sdb", TristateBool.Absent, 2, "/dev/sdb2")]
    [InlineData("/dev/nvme0n1", TristateBool.Absent, 3, "/dev/nvme0n1p3")]
    [InlineData("/dev/mapper/mpatha", TristateBool.Yes, 1, "/dev/mapper/mpathap1")]
    [InlineData("/dev/mapper/mpath1", TristateBool.No, 1, "/dev/mapper/mpath11")]
    public void NodePath_FollowsTheKernelsNaming_AndNumberOfInvertsIt(string device, TristateBool sep, int number, string node)
    {
        Assert.Equal(node, PartitionNames.NodePath(device, sep, number));
        Assert.Equal(number, PartitionNames.NumberOf(node, device, sep));
    }

    [Fact]
    public void NumberOf_Loop0p1_Is1_NotLibvirtsP1()
    {
        // libvirt strips only "loop0" and runs "parted /dev/loop0 rm --script p1" (Partition doesn't exist).
        Assert.Equal(1, PartitionNames.NumberOf("/dev/loop0p1", "/dev/loop0", TristateBool.Absent));
    }

    [Fact]
    public void NumberOf_APartitionOfAnotherDisk_IsRefused()
    {
        var e = Assert.Throws<StorageException>(() => PartitionNames.NumberOf("/dev/sdc1", "/dev/sdb", TristateBool.Absent));
        Assert.Equal("internal error: Volume path 'sdc1' did not start with parent pool source device name.", e.Message);
    }

    [Fact]
    public void Plan_Gpt_TakesTheSmallestFittingRegion_AlignedTo1MiB()
    {
        var table = PartedTable.Parse(FixtureFiles.Read("parted/gpt-two.txt"));

        var plan = PartitionPlanner.Plan(table, "gpt", null, null, 10UL << 20);

        Assert.Equal(new PartitionPlan(PartitionKind.Primary, "primary", 3145728, 3145728 + (10UL << 20) - 1, 3), plan);
    }

    [Fact]
    public void Plan_DosWithFreeSlots_MakesAPrimaryWithLibvirtsPartedFsWord()
    {
        var table = PartedTable.Parse(FixtureFiles.Read("parted/msdos-extended.txt"));

        var plan = PartitionPlanner.Plan(table, "dos", 3, "linux-swap", 1UL << 20);

        Assert.Equal(PartitionKind.Primary, plan.Kind);
        Assert.Equal("primary linux-swap", plan.PartedType);
        Assert.Equal(4, plan.Number);
        Assert.True(plan.Start >= 100000256 && plan.Start % (1 << 20) == 0);
    }

    [Fact]
    public void Plan_SecondExtended_IsRefusedAsLibvirt()
    {
        var table = PartedTable.Parse(FixtureFiles.Read("parted/msdos-extended.txt"));

        var e = Assert.Throws<StorageException>(() => PartitionPlanner.Plan(table, "dos", 3, "extended", 1UL << 20));

        Assert.Equal("internal error: extended partition already exists", e.Message);
    }

    [Fact]
    public void Plan_TooBig_FailsWithNoLargeEnoughFreeExtent()
    {
        var table = PartedTable.Parse(FixtureFiles.Read("parted/gpt-two.txt"));

        var e = Assert.Throws<StorageException>(() => PartitionPlanner.Plan(table, "gpt", null, null, 1UL << 30));

        Assert.StartsWith("internal error: no large enough free extent", e.Message, StringComparison.Ordinal);
        Assert.Equal(28, e.OsErrno); // ENOSPC: the disk is too full, not an internal fault
    }

    [Fact]
    public void Plan_CapacityZero_TakesTheWholeLargestFreeRegion()
    {
        var table = PartedTable.Parse(FixtureFiles.Read("parted/gpt-two.txt"));
        var largest = table.Free.MaxBy(f => f.Size)!;

        var plan = PartitionPlanner.Plan(table, "gpt", null, null, 0);

        ulong start = (largest.Start + PartitionPlanner.Alignment - 1) / PartitionPlanner.Alignment * PartitionPlanner.Alignment;
        Assert.Equal(start, plan.Start);
        Assert.Equal(start + (largest.End - start + 1) / 512 * 512 - 1, plan.End);
    }

    [Fact]
    public void MbrExtended_FindsTheExtendedSlot()
    {
        var sector = new byte[512];
        sector[510] = 0x55;
        sector[511] = 0xAA;
        sector[446 + 16 * 2 + 4] = 0x0F;
        Assert.Equal(3, MbrExtended.Find(sector));
        sector[511] = 0;
        Assert.Null(MbrExtended.Find(sector));
    }
}
