using System.Text.Json;
using StorageFs.Core;
using StorageFs.Core.Backend;

namespace StorageFs.Backends.Tests.Dir;

/// <summary>dir pool volumes on real files and real qemu-img images: create raw and qcow2,
/// backing stores, resize, clone, delete, upload/download, probing of dropped-in images.</summary>
public sealed class DirVolumeTests : IDisposable
{
    private const ulong MiB = 1 << 20;
    private readonly BackendFixture _fx = new();

    public DirVolumeTests()
    {
        _fx.RunningPool("p");
    }

    public void Dispose() => _fx.Dispose();

    private string VolPath(string name) => Path.Combine(_fx.PoolPath("p"), name);

    [Fact]
    public void CreateRaw_Sparse_HasTheCapacity_AndNoBlocks_AndMode0600()
    {
        var info = _fx.Driver.CreateVolume("p", BackendFixture.Raw("v", 8 * MiB, allocation: 0));

        Assert.Equal(8 * MiB, (ulong)new FileInfo(VolPath("v")).Length);
        Assert.Equal(0, BackendFixture.Allocated(VolPath("v")));
        Assert.Equal((8 * MiB, 0UL, "raw"), (info.Capacity, info.Allocation, info.Format));
        Assert.Equal(0x180u, BackendFixture.StatOf(VolPath("v")).Mode);
        Assert.Equal(VolPath("v"), info.Key);
    }

    [Fact]
    public void CreateRaw_FullyAllocated_WhenNoAllocationIsGiven()
    {
        var info = _fx.Driver.CreateVolume("p", BackendFixture.Raw("v", 4 * MiB));
        Assert.True(BackendFixture.Allocated(VolPath("v")) >= (long)(4 * MiB));
        Assert.True(info.Allocation >= 4 * MiB);
    }

    [RootFact]
    public void CreateRaw_AppliesModeAndOwner()
    {
        _fx.Driver.CreateVolume("p", "<volume><name>v</name><capacity>1024</capacity><target>" +
            "<permissions><mode>0640</mode><owner>4321</owner><group>5432</group></permissions></target></volume>");
        Assert.Equal((0x1A0u, 4321u, 5432u), BackendFixture.StatOf(VolPath("v")));
    }

    [Fact]
    public void CreateQcow2_IsARealQcow2Image_WithLibvirtsDefaultCompat()
    {
        var info = _fx.Driver.CreateVolume("p", BackendFixture.Qcow2("v.qcow2", 64 * MiB));

        var qemu = QemuInfo(VolPath("v.qcow2"));
        Assert.Equal("qcow2", qemu.GetProperty("format").GetString());
        Assert.Equal((long)(64 * MiB), qemu.GetProperty("virtual-size").GetInt64());
        Assert.Equal("0.10", qemu.GetProperty("format-specific").GetProperty("data").GetProperty("compat").GetString());
        Assert.Equal(("qcow2", 64 * MiB), (info.Format, info.Capacity));
        Assert.True(info.Allocation < MiB);
        // libvirt's vol-dumpxml of a version 2 image: no <compat>, its cluster size.
        string xml = _fx.Driver.GetVolumeXml("p", "v.qcow2");
        Assert.DoesNotContain("<compat>", xml, StringComparison.Ordinal);
        Assert.Contains("<clusterSize unit='B'>65536</clusterSize>", xml, StringComparison.Ordinal);
    }

    [Fact]
    public void CreateQcow2_WithBackingStore_RecordsTheBackingFile_AndTakesItsSize()
    {
        _fx.Driver.CreateVolume("p", BackendFixture.Qcow2("base.qcow2", 32 * MiB));
        var info = _fx.Driver.CreateVolume("p", BackendFixture.Qcow2("overlay.qcow2", 0, VolPath("base.qcow2")));

        var qemu = QemuInfo(VolPath("overlay.qcow2"));
        Assert.Equal(VolPath("base.qcow2"), qemu.GetProperty("backing-filename").GetString());
        Assert.Equal("qcow2", qemu.GetProperty("backing-filename-format").GetString());
        Assert.Equal(32 * MiB, info.Capacity);
        Assert.Equal(VolPath("base.qcow2"), info.BackingPath);
        var xml = _fx.Driver.GetVolumeXml("p", "overlay.qcow2");
        Assert.Contains($"<backingStore>\n    <path>{VolPath("base.qcow2")}</path>\n    <format type='qcow2'/>", xml, StringComparison.Ordinal);
    }

    [Fact]
    public void CreateQcow2_WithAMissingBackingStore_FailsAndLeavesNothing()
    {
        var e = Assert.Throws<StorageException>(() =>
            _fx.Driver.CreateVolume("p", BackendFixture.Qcow2("o.qcow2", 0, VolPath("missing.qcow2"))));
        Assert.Equal($"internal error: inaccessible backing store volume {VolPath("missing.qcow2")}", e.Message);
        Assert.False(File.Exists(VolPath("o.qcow2")));
        Assert.Empty(_fx.Driver.ListVolumes("p"));
    }

    [Fact]
    public void CreateRaw_WithABackingStore_IsRefusedAsLibvirt()
    {
        _fx.Driver.CreateVolume("p", BackendFixture.Raw("base", MiB));
        var xml = $"<volume><name>o</name><capacity>1024</capacity><target><format type='raw'/></target>" +
                  $"<backingStore><path>{VolPath("base")}</path></backingStore></volume>";
        var e = Assert.Throws<StorageException>(() => _fx.Driver.CreateVolume("p", xml));
        Assert.Equal("unsupported configuration: cannot set backing store for raw volume", e.Message);
    }

    [Fact]
    public void CreateVolume_WhoseFileAppearedBehindOurBack_IsRefused()
    {
        File.WriteAllText(VolPath("v"), "someone else's");
        var e = Assert.Throws<StorageException>(() => _fx.Driver.CreateVolume("p", BackendFixture.Raw("v", 1024)));
        Assert.Equal($"Requested operation is not valid: volume target path '{VolPath("v")}' already exists", e.Message);
        Assert.Equal("someone else's", File.ReadAllText(VolPath("v")));
    }

    [Fact]
    public void ResizeRaw_Grows_AndShrinkingNeedsTheFlag()
    {
        _fx.Driver.CreateVolume("p", BackendFixture.Raw("v", 4 * MiB, allocation: 0));

        Assert.Equal(8 * MiB, _fx.Driver.ResizeVolume("p", "v", 8 * MiB).Capacity);
        Assert.Equal(8 * MiB, (ulong)new FileInfo(VolPath("v")).Length);
        var e = Assert.Throws<StorageException>(() => _fx.Driver.ResizeVolume("p", "v", 2 * MiB));
        Assert.Equal("invalid argument: Can't shrink capacity below current capacity unless shrink flag explicitly specified", e.Message);
        Assert.Equal(2 * MiB, _fx.Driver.ResizeVolume("p", "v", 2 * MiB, VolumeResizeFlags.Shrink).Capacity);
        Assert.Equal(2 * MiB, (ulong)new FileInfo(VolPath("v")).Length);
    }

    [Fact]
    public void ResizeRaw_WithAllocate_AllocatesTheNewSpace()
    {
        _fx.Driver.CreateVolume("p", BackendFixture.Raw("v", MiB, allocation: 0));
        var info = _fx.Driver.ResizeVolume("p", "v", 4 * MiB, VolumeResizeFlags.Allocate);
        Assert.True(info.Allocation >= 4 * MiB);
        Assert.True(BackendFixture.Allocated(VolPath("v")) >= (long)(4 * MiB));
    }

    [Fact]
    public void ResizeQcow2_GrowsAndShrinks_ThroughQemuImg()
    {
        _fx.Driver.CreateVolume("p", BackendFixture.Qcow2("v.qcow2", 16 * MiB));
        Assert.Equal(32 * MiB, _fx.Driver.ResizeVolume("p", "v.qcow2", 32 * MiB).Capacity);
        Assert.Equal((long)(32 * MiB), QemuInfo(VolPath("v.qcow2")).GetProperty("virtual-size").GetInt64());
        Assert.Equal(8 * MiB, _fx.Driver.ResizeVolume("p", "v.qcow2", 8 * MiB, VolumeResizeFlags.Shrink).Capacity);
        Assert.Equal((long)(8 * MiB), QemuInfo(VolPath("v.qcow2")).GetProperty("virtual-size").GetInt64());
        var e = Assert.Throws<StorageException>(() => _fx.Driver.ResizeVolume("p", "v.qcow2", 64 * MiB, VolumeResizeFlags.Allocate));
        Assert.Equal("unsupported configuration: preallocate is only supported for raw type volume", e.Message);
    }

    [Fact]
    public void CloneRawToRaw_CopiesTheData_AndKeepsHolesWhenSparse()
    {
        _fx.Driver.CreateVolume("p", BackendFixture.Raw("src", 16 * MiB, allocation: 0));
        var data = Random.Shared.GetItems<byte>(Enumerable.Range(1, 255).Select(i => (byte)i).ToArray(), 1 << 16);
        using (var s = _fx.Driver.OpenVolume("p", "src", VolumeAccessMode.Write).AsStream())
        {
            s.Position = (long)(8 * MiB);
            s.Write(data);
        }

        var clone = _fx.Driver.CloneVolume("p", "<volume><name>copy</name><allocation>0</allocation></volume>", "p", "src");

        Assert.Equal(16 * MiB, clone.Capacity);
        Assert.Equal(File.ReadAllBytes(VolPath("src")), File.ReadAllBytes(VolPath("copy")));
        Assert.True(BackendFixture.Allocated(VolPath("copy")) < (long)MiB);
    }

    [Fact]
    public void CloneRawToQcow2_ConvertsWithQemuImg_AcrossPools()
    {
        _fx.RunningPool("q");
        _fx.Driver.CreateVolume("p", BackendFixture.Raw("src", 4 * MiB, allocation: 0));
        using (var s = _fx.Driver.OpenVolume("p", "src", VolumeAccessMode.Write).AsStream())
        {
            s.Write("hello, qcow2"u8);
        }
        var job = _fx.Driver.StartCloneVolume("q", BackendFixture.Qcow2("copy.qcow2", 0), "p", "src");
        job.Wait();

        var copy = Path.Combine(_fx.PoolPath("q"), "copy.qcow2");
        Assert.Equal("qcow2", QemuInfo(copy).GetProperty("format").GetString());
        BackendFixture.Run("qemu-img", "compare", "-f", "raw", "-F", "qcow2", VolPath("src"), copy);
        Assert.Equal(4 * MiB, job.TotalBytes);
        Assert.Equal(job.TotalBytes, job.DoneBytes);
        Assert.Equal("qcow2", _fx.Driver.GetVolumeInfo("q", "copy.qcow2").Format);
    }

    [Fact]
    public void CloneQcow2_ToALargerCapacity_ResizesTheCopy()
    {
        _fx.Driver.CreateVolume("p", BackendFixture.Qcow2("src.qcow2", 4 * MiB));
        var copy = _fx.Driver.CloneVolume("p", BackendFixture.Qcow2("copy.qcow2", 8 * MiB), "p", "src.qcow2");
        Assert.Equal(8 * MiB, copy.Capacity);
        Assert.Equal((long)(8 * MiB), QemuInfo(VolPath("copy.qcow2")).GetProperty("virtual-size").GetInt64());
    }

    [Fact]
    public void DeleteVolume_RemovesTheFile_AndADirVolume()
    {
        _fx.Driver.CreateVolume("p", BackendFixture.Raw("v", 1024));
        _fx.Driver.CreateVolume("p", "<volume><name>d</name><capacity>0</capacity><target><format type='dir'/></target></volume>");
        Assert.True(Directory.Exists(VolPath("d")));
        _fx.Driver.DeleteVolume("p", "v");
        _fx.Driver.DeleteVolume("p", "d");
        Assert.Empty(Directory.EnumerateFileSystemEntries(_fx.PoolPath("p")));
        Assert.Empty(_fx.Driver.ListVolumes("p"));
    }

    [Fact]
    public void DeleteVolume_AlreadyGoneFromDisk_FailsWithLibvirtsMessage()
    {
        _fx.Driver.CreateVolume("p", BackendFixture.Raw("v", 1024));
        File.Delete(VolPath("v"));
        var e = Assert.Throws<StorageException>(() => _fx.Driver.GetVolumeInfo("p", "v"));
        Assert.Equal($"cannot stat file '{VolPath("v")}': No such file or directory", e.Message);
    }

    [Fact]
    public void UploadThenDownload_RoundTripsTheBytes()
    {
        _fx.Driver.CreateVolume("p", BackendFixture.Raw("v", MiB, allocation: 0));
        var data = new byte[100_000];
        Random.Shared.NextBytes(data);
        using (var up = _fx.Driver.OpenVolume("p", "v", VolumeAccessMode.Write).AsStream())
        {
            up.Write(data);
        }
        var back = new byte[data.Length];
        using (var down = _fx.Driver.OpenVolume("p", "v", VolumeAccessMode.Read).AsStream())
        {
            down.ReadExactly(back);
            Assert.False(down.CanWrite);
        }
        Assert.Equal(data, back);
    }

    [Fact]
    public void DroppedInQcow2_IsProbed_WithVirtualSizeAndBackingStore()
    {
        BackendFixture.Run("qemu-img", "create", "-f", "qcow2", VolPath("base.qcow2"), "48M");
        BackendFixture.Run("qemu-img", "create", "-f", "qcow2", "-b", "base.qcow2", "-F", "qcow2", VolPath("top.qcow2"));
        BackendFixture.Run("qemu-img", "create", "-f", "vmdk", VolPath("disk.vmdk"), "16M");
        _fx.Driver.RefreshPool("p");

        var top = _fx.Driver.GetVolumeInfo("p", "top.qcow2");
        Assert.Equal(("qcow2", 48 * MiB), (top.Format, top.Capacity));
        Assert.Equal(VolPath("base.qcow2"), top.BackingPath);
        var xml = _fx.Driver.GetVolumeXml("p", "top.qcow2");
        Assert.Contains("<compat>1.1</compat>", xml, StringComparison.Ordinal);
        Assert.Contains("<format type='qcow2'/>\n    <permissions>\n      <mode>", xml, StringComparison.Ordinal);
        Assert.Contains("<btime>0</btime>\n    </timestamps>\n  </backingStore>", xml, StringComparison.Ordinal);
        var vmdk = _fx.Driver.GetVolumeInfo("p", "disk.vmdk");
        Assert.Equal(("vmdk", 16 * MiB), (vmdk.Format, vmdk.Capacity));
    }

    [Fact]
    public void VolumeXml_CarriesTimestampsPermissionsAndPhysicalSize()
    {
        _fx.Driver.CreateVolume("p", BackendFixture.Raw("v", 4096));
        var xml = _fx.Driver.GetVolumeXml("p", "v");
        Assert.Contains("<physical unit='bytes'>4096</physical>", xml, StringComparison.Ordinal);
        Assert.Contains("<mode>0600</mode>", xml, StringComparison.Ordinal);
        Assert.Contains("<mtime>", xml, StringComparison.Ordinal);
    }

    private static JsonElement QemuInfo(string path) =>
        JsonDocument.Parse(BackendFixture.Run("qemu-img", "info", "--output=json", "-U", path)).RootElement.Clone();
}
