using System.Text.Json;
using StorageFs.Core.Backend;

namespace StorageFs.Backends.Tests.Dir;

/// <summary>A dir pool creates every volume format libvirt's dir backend creates: ploop natively
/// (verified by qemu-img as parallels), and vmdk, vdi, vpc, qed and qcow through qemu-img with a
/// job reporting progress.</summary>
public sealed class DirFormatTests : IDisposable
{
    private const ulong MiB = 1 << 20;
    private readonly BackendFixture _fx = new();

    public DirFormatTests()
    {
        _fx.RunningPool("p");
    }

    public void Dispose() => _fx.Dispose();

    private string VolPath(string name) => Path.Combine(_fx.PoolPath("p"), name);

    private static string Vol(string name, ulong mib, string format) =>
        $"<volume><name>{name}</name><capacity unit='MiB'>{mib}</capacity><target><format type='{format}'/></target></volume>";

    [Theory]
    [InlineData("vmdk", "vmdk")]
    [InlineData("vdi", "vdi")]
    [InlineData("vpc", "vpc")]
    [InlineData("qed", "qed")]
    [InlineData("qcow", "qcow")]
    public void QemuImgFormat_IsCreatedByQemuImg_AndProbedBack(string format, string qemuFormat)
    {
        var job = _fx.Driver.StartCreateVolume("p", Vol("d." + format, 16, format));
        job.Wait();

        Assert.Equal(Core.Driver.JobStatus.Succeeded, job.Status);
        Assert.Equal(16 * MiB, job.DoneBytes);
        using var info = JsonDocument.Parse(BackendFixture.Run("qemu-img", "info", "--output=json", VolPath("d." + format)));
        Assert.Equal(qemuFormat, info.RootElement.GetProperty("format").GetString());
        Assert.True(info.RootElement.GetProperty("virtual-size").GetUInt64() >= 16 * MiB);
        var vol = _fx.Driver.GetVolumeInfo("p", "d." + format);
        Assert.Equal(format, vol.Format);
        _fx.Driver.DeleteVolume("p", "d." + format);
        Assert.False(File.Exists(VolPath("d." + format)));
    }

    [Fact]
    public void Ploop_InADirPool_IsADirectoryThatQemuImgChecksAsParallels_AndSurvivesRefresh()
    {
        var vol = _fx.Driver.CreateVolume("p", Vol("vm", 32, "ploop"));

        Assert.Equal((32 * MiB, "ploop"), (vol.Capacity, vol.Format));
        Assert.True(File.Exists(Path.Combine(VolPath("vm"), "DiskDescriptor.xml")));
        BackendFixture.Run("qemu-img", "check", "-f", "parallels", Path.Combine(VolPath("vm"), "root.hds"));
        _fx.Driver.ResizeVolume("p", "vm", 48 * MiB);
        BackendFixture.Run("qemu-img", "check", "-f", "parallels", Path.Combine(VolPath("vm"), "root.hds"));

        _fx.Driver.RefreshPool("p");
        var again = _fx.Driver.GetVolumeInfo("p", "vm");
        Assert.Equal((48 * MiB, "ploop"), (again.Capacity, again.Format));
        Assert.Contains("<volume type='ploop'>", _fx.Driver.GetVolumeXml("p", "vm"), StringComparison.Ordinal);
        _fx.Driver.DeleteVolume("p", "vm");
        Assert.False(Directory.Exists(VolPath("vm")));
    }
}
