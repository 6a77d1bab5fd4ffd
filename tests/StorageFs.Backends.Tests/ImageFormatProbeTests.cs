using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using StorageFs.Backends.Files;

namespace StorageFs.Backends.Tests;

public sealed class ImageFormatProbeTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static long QemuVirtualSize(string path, string format) =>
        JsonDocument.Parse(Shell.Run("qemu-img", "info", "--output=json", "-f", format, path)).RootElement.GetProperty("virtual-size").GetInt64();

    [Theory]
    [InlineData("raw", "raw")]
    [InlineData("qcow", "qcow")]
    [InlineData("qcow2", "qcow2")]
    [InlineData("qed", "qed")]
    [InlineData("vmdk", "vmdk")]
    [InlineData("vdi", "vdi")]
    [InlineData("vpc", "vpc")]
    [InlineData("vhdx", "vhdx")]
    [InlineData("parallels", "ploop")]
    public void Probe_AnImageQemuImgCreated_NamesItsFormatAndVirtualSize(string qemuFormat, string expected)
    {
        string path = _dir["image." + qemuFormat];
        Shell.Run("qemu-img", "create", "-q", "-f", qemuFormat, path, "64M");

        ProbeResult probe = ImageFormatProbe.Probe(path);

        Assert.Equal(expected, probe.Format);
        Assert.Null(probe.BackingStore);
        Assert.Null(probe.Encryption);
        if (qemuFormat == "vhdx")
        {
            Assert.Null(probe.Capacity);
        }
        else
        {
            Assert.Equal((ulong)QemuVirtualSize(path, qemuFormat), probe.Capacity);
        }
    }

    [Theory]
    [InlineData("qcow2", "qcow2", "1.1")]
    [InlineData("qcow2", "raw", "1.1")]
    [InlineData("qcow2", "qcow2", "0.10")]
    [InlineData("qcow", "qcow", null)]
    public void Probe_AQcowOverlay_ReadsBackingFileAndItsFormatFromTheHeader(string format, string backingFormat, string? compat)
    {
        string basePath = _dir["base." + backingFormat];
        Shell.Run("qemu-img", "create", "-q", "-f", backingFormat, basePath, "32M");
        string overlay = _dir["overlay." + format];
        var args = new List<string> { "create", "-q", "-f", format, "-b", "base." + backingFormat, "-F", backingFormat };
        if (compat is not null)
        {
            args.AddRange(["-o", "compat=" + compat]);
        }

        Shell.Run("qemu-img", [.. args, overlay]);

        ProbeResult probe = ImageFormatProbe.Probe(overlay);

        Assert.Equal(format, probe.Format);
        Assert.Equal("base." + backingFormat, probe.BackingStore);
        Assert.Equal(format == "qcow2" ? backingFormat : null, probe.BackingFormat);
        Assert.Equal(32UL << 20, probe.Capacity);
        Assert.Equal(compat == "1.1" ? "1.1" : null, probe.Compat); // libvirt reports compat only for v3
    }

    [Fact]
    public void Probe_Qcow2Features_ClusterSizeLazyRefcountsAndExtendedL2()
    {
        string path = _dir["f.qcow2"];
        Shell.Run("qemu-img", "create", "-q", "-f", "qcow2", "-o", "compat=1.1,cluster_size=131072,lazy_refcounts=on,extended_l2=on", path, "16M");

        ProbeResult probe = ImageFormatProbe.Probe(path);

        Assert.Equal(131072UL, probe.ClusterSize);
        Assert.Equal(["lazy_refcounts", "extended_l2"], probe.Features!);
    }

    [Fact]
    public void Probe_QedOverlayOfRaw_HasNoProbeFlagSoBackingIsRaw()
    {
        Shell.Run("qemu-img", "create", "-q", "-f", "raw", _dir["base.raw"], "8M");
        Shell.Run("qemu-img", "create", "-q", "-f", "qed", "-b", "base.raw", "-F", "raw", _dir["o.qed"]);

        ProbeResult probe = ImageFormatProbe.Probe(_dir["o.qed"]);

        Assert.Equal(("qed", "base.raw", "raw"), (probe.Format, probe.BackingStore, probe.BackingFormat));
    }

    [Fact]
    public void Probe_VmdkOverlay_ReadsParentFileNameHint()
    {
        Shell.Run("qemu-img", "create", "-q", "-f", "vmdk", _dir["base.vmdk"], "8M");
        Shell.Run("qemu-img", "create", "-q", "-f", "vmdk", "-b", "base.vmdk", "-F", "vmdk", _dir["o.vmdk"]);

        ProbeResult probe = ImageFormatProbe.Probe(_dir["o.vmdk"]);

        Assert.Equal(("vmdk", "base.vmdk", (string?)null), (probe.Format, probe.BackingStore, probe.BackingFormat));
    }

    [Fact]
    public void Probe_LuksAndEncryptedQcow2_AreReportedAsLibvirtDoes()
    {
        Shell.Run("qemu-img", "create", "-q", "-f", "luks", "--object", "secret,id=s0,data=pw", "-o", "key-secret=s0,iter-time=10", _dir["x.luks"], "8M");
        Shell.Run("qemu-img", "create", "-q", "-f", "qcow2", "--object", "secret,id=s0,data=pw", "-o", "encrypt.format=luks,encrypt.key-secret=s0,encrypt.iter-time=10", _dir["x.qcow2"], "8M");

        Assert.Equal(("raw", "luks"), (ImageFormatProbe.Probe(_dir["x.luks"]).Format, ImageFormatProbe.Probe(_dir["x.luks"]).Encryption));
        Assert.Equal(("qcow2", "luks"), (ImageFormatProbe.Probe(_dir["x.qcow2"]).Format, ImageFormatProbe.Probe(_dir["x.qcow2"]).Encryption));
    }

    [Fact]
    public void Probe_AnIso9660Image_IsIsoWithTheFileSizeAsCapacity()
    {
        byte[] iso = new byte[64 * 2048];
        iso[32768] = 1;
        "CD001"u8.CopyTo(iso.AsSpan(32769));
        File.WriteAllBytes(_dir["cd.iso"], iso);

        Assert.Equal(new ProbeResult("iso", (ulong)iso.Length), ImageFormatProbe.Probe(_dir["cd.iso"]));
    }

    [Fact]
    public void Probe_ABochsImage_IsBochs_AndQemuAgrees()
    {
        // bochs_header (qemu block/bochs.c): magic[32], type[16], subtype[16], version, header,
        // catalog, bitmap, extent, reserved, disk size u64 @88; catalog follows at 512.
        byte[] image = new byte[512 + 4 * 4];
        Encoding.ASCII.GetBytes("Bochs Virtual HD Image").CopyTo(image, 0);
        Encoding.ASCII.GetBytes("Redolog").CopyTo(image, 32);
        Encoding.ASCII.GetBytes("Growing").CopyTo(image, 48);
        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(64), 0x20000);
        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(68), 512);
        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(72), 4);
        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(76), 512);
        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(80), 1024 * 1024);
        BinaryPrimitives.WriteUInt64LittleEndian(image.AsSpan(88), 4UL << 20);
        image.AsSpan(512).Fill(0xff);
        File.WriteAllBytes(_dir["disk.img"], image);

        ProbeResult probe = ImageFormatProbe.Probe(_dir["disk.img"]);

        Assert.Equal(new ProbeResult("bochs", 4UL << 20), probe);
        JsonElement info = JsonDocument.Parse(Shell.Run("qemu-img", "info", "--output=json", _dir["disk.img"])).RootElement;
        Assert.Equal("bochs", info.GetProperty("format").GetString());
        Assert.Equal(4L << 20, info.GetProperty("virtual-size").GetInt64());
    }

    [Fact]
    public void Probe_CloopDmgAndCow_AreRecognisedByTheirMagic()
    {
        File.WriteAllBytes(_dir["c.cloop"], [.. "#!/bin/sh\n#V2.0 Format\nmodprobe cloop file=$0 && mount -r -t iso9660 /dev/cloop $1\n"u8, .. new byte[600]]);
        byte[] dmg = new byte[4096];
        Span<byte> koly = dmg.AsSpan(4096 - 512);
        "koly"u8.CopyTo(koly);
        BinaryPrimitives.WriteUInt32BigEndian(koly[4..], 4);
        BinaryPrimitives.WriteUInt64BigEndian(koly[492..], 2048);
        File.WriteAllBytes(_dir["d.dmg"], dmg);
        byte[] cow = new byte[2048];
        "OOOM"u8.CopyTo(cow);
        BinaryPrimitives.WriteUInt32BigEndian(cow.AsSpan(4), 2);
        "/images/base.img"u8.CopyTo(cow.AsSpan(8));
        BinaryPrimitives.WriteUInt64BigEndian(cow.AsSpan(1036), 1UL << 30);
        File.WriteAllBytes(_dir["u.cow"], cow);

        Assert.Equal("cloop", ImageFormatProbe.Probe(_dir["c.cloop"]).Format);
        Assert.Equal(new ProbeResult("dmg", 1UL << 20), ImageFormatProbe.Probe(_dir["d.dmg"]));
        Assert.Equal(new ProbeResult("cow", 1UL << 30, "/images/base.img"), ImageFormatProbe.Probe(_dir["u.cow"]));
    }

    [Fact]
    public void Probe_ADirectory_IsDir_AndAnEmptyFileIsRaw()
    {
        Directory.CreateDirectory(_dir["sub"]);
        File.WriteAllBytes(_dir["empty"], []);

        Assert.Equal("dir", ImageFormatProbe.Probe(_dir["sub"]).Format);
        Assert.Equal(new ProbeResult("raw", 0), ImageFormatProbe.Probe(_dir["empty"]));
    }

    public static TheoryData<string, byte[]> HostileHeaders => new()
    {
        { "qcow2 magic, unknown version 7", [(byte)'Q', (byte)'F', (byte)'I', 0xfb, 0, 0, 0, 7, .. new byte[100]] },
        { "qcow2 magic alone, truncated", [(byte)'Q', (byte)'F', (byte)'I', 0xfb] },
        { "vmdk magic, version 9", [.. "KDMV"u8, 9, 0, 0, 0, .. new byte[600]] },
        { "vpc magic, cut before the version", [.. "conectix"u8, 0, 1] },
    };

    [Theory]
    [MemberData(nameof(HostileHeaders))]
    public void Probe_AMagicWithAWrongVersionOrCutShort_FallsBackToRaw(string why, byte[] header)
    {
        File.WriteAllBytes(_dir["h"], header);

        Assert.True(ImageFormatProbe.Probe(_dir["h"]).Format == "raw", why);
    }

    [Fact]
    public void Probe_Qcow2WhoseBackingNamePointsPastTheHeader_HasNoBackingStore()
    {
        Shell.Run("qemu-img", "create", "-q", "-f", "qcow2", _dir["x.qcow2"], "8M");
        byte[] bytes = File.ReadAllBytes(_dir["x.qcow2"]);
        BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(8), 0xfffffff0);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(16), 1000);
        File.WriteAllBytes(_dir["x.qcow2"], bytes);

        ProbeResult probe = ImageFormatProbe.Probe(_dir["x.qcow2"]);

        Assert.Equal("qcow2", probe.Format);
        Assert.Null(probe.BackingStore);
    }
}
