using StorageFs.Backends.QemuImg;
using StorageFs.Core;

namespace StorageFs.Backends.Tests;

/// <summary>
/// The vol-argv rows of the libvirt corpus that need neither encryption nor the volume
/// model: the volume's parameters are transcribed from the row's input XML.
/// </summary>
public sealed class QemuImgArgumentsTests
{
    private const string Images = "/var/lib/libvirt/images/";
    private const ulong FiveGiB = 5UL << 30;
    private static readonly QemuImgImageOptions Defaults = new();

    public static TheoryData<string, Func<IReadOnlyList<string>>> Rows => new()
    {
        { "qcow2-compat.argv", () => QemuImgArguments.Create("qcow2", Images + "OtherDemo.img", FiveGiB, Defaults, "/dev/null", "raw") },
        { "qcow2-1.1.argv", () => QemuImgArguments.Create("qcow2", Images + "OtherDemo.img", FiveGiB, new() { Compat = "1.1" }, "/dev/null", "raw") },
        { "qcow2-lazy.argv", () => QemuImgArguments.Create("qcow2", Images + "OtherDemo.img", FiveGiB, new() { Compat = "1.1", LazyRefcounts = true }, "/dev/null", "raw") },
        { "qcow2-nobacking-prealloc-compat.argv", () => QemuImgArguments.Create("qcow2", Images + "OtherDemo.img", FiveGiB, new() { Preallocation = QemuImgPreallocation.Metadata }) },
        { "qcow2-clusterSize.argv", () => QemuImgArguments.Create("qcow2", Images + "OtherDemo.img", FiveGiB, new() { Compat = "1.1", ClusterSize = 131072, ExtendedL2 = true }) },
        { "qcow2-nocow-compat.argv", () => QemuImgArguments.Create("qcow2", Images + "OtherDemo.img", FiveGiB, new() { NoCow = true }, "/dev/null", "raw") },
        { "qcow2-zerocapacity.argv", () => QemuImgArguments.Create("qcow2", Images + "OtherDemo.img", 0, Defaults) },
        { "qcow2-nocapacity.argv", () => QemuImgArguments.Create("qcow2", Images + "OtherDemo.img", 0, Defaults, "/dev/null", "raw") },
        { "iso.argv", () => QemuImgArguments.Create("iso", Images + "test.iso", 1UL << 20, Defaults) },
        { "qcow2-from-logical-compat.argv", () => QemuImgArguments.Convert("raw", "/dev/HostVG/Swap", "qcow2", Images + "OtherDemo.img", Defaults) },
        { "qcow2-nobacking-convert-prealloc-compat.argv", () => QemuImgArguments.Convert("raw", Images + "sparse.img", "qcow2", Images + "OtherDemo.img", new() { Preallocation = QemuImgPreallocation.Metadata }) },
        { "qcow2-nocapacity-convert-prealloc.argv", () => QemuImgArguments.Convert("raw", Images + "sparse.img", "qcow2", Images + "OtherDemo.img", new() { Preallocation = QemuImgPreallocation.Falloc }) },
        { "iso-input.argv", () => QemuImgArguments.Convert("iso", Images + "test.iso", "raw", Images + "sparse.img", Defaults) },
        { "logical-from-qcow2.argv", () => QemuImgArguments.Convert("qcow2", Images + "OtherDemo.img", "raw", "/dev/HostVG/Swap", Defaults) },
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public void Arguments_MatchLibvirtsArgvFile(string argvFile, Func<IReadOnlyList<string>> build)
    {
        IReadOnlyList<string> expected = Assert.Single(Corpus.ReadArgv("tests/storagevolxml2argvdata/" + argvFile));

        Assert.Equal(expected, ["qemu-img", .. build()]);
    }

    [Fact]
    public void LazyRefcountsWithCompat010_IsRefusedAsLibvirtDoes()
    {
        var e = Assert.Throws<StorageException>(() =>
            QemuImgArguments.Create("qcow2", "/x", FiveGiB, new() { Compat = "0.10", LazyRefcounts = true }, "/dev/null", "raw"));

        Assert.Equal(ErrorCode.ConfigUnsupported, e.Code);
        Assert.Equal("lazy_refcounts not supported with compat level 0.10", e.Message);
    }

    [Theory]
    [InlineData("raw", "metadata preallocation only available with qcow2")]
    [InlineData("vmdk", "metadata preallocation only available with qcow2")]
    public void PreallocationOutsideQcow2_IsRefused(string format, string message)
    {
        var e = Assert.Throws<StorageException>(() =>
            QemuImgArguments.Create(format, "/x", 1 << 20, new() { Preallocation = QemuImgPreallocation.Metadata }));

        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void BackingStoreForRaw_IsRefused()
    {
        var e = Assert.Throws<StorageException>(() => QemuImgArguments.Create("raw", "/x", 1 << 20, Defaults, "/base", "raw"));

        Assert.Equal("cannot set backing store for raw volume", e.Message);
    }

    [Theory]
    [InlineData(1000UL, false, "1024")]
    [InlineData(1UL << 30, true, "1073741824")]
    public void Resize_RoundsUpTo512_AndShrinksOnlyWhenAsked(ulong bytes, bool shrink, string size)
    {
        IReadOnlyList<string> args = QemuImgArguments.Resize("/v.img", bytes, shrink);

        Assert.Equal(shrink ? ["resize", "--shrink", "/v.img", size] : ["resize", "/v.img", size], args);
    }
}
