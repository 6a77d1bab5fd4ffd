using StorageFs.Core;
using StorageFs.Core.Model;
using StorageFs.Backends.HostTools;
using StorageFs.Backends.QemuImg;

namespace StorageFs.Backends.Tests.QemuImg;

public sealed class QemuImgCommandBuilderTests
{
    private static VolumeDefinition Volume(string format, ulong capacity = 1 << 20) => new()
    {
        Name = "v",
        Capacity = capacity,
        Allocation = capacity,
        Target = new VolumeTarget { Path = "/srv/p/v", Format = format },
    };

    [Fact]
    public void Build_Qcow2_RoundsTheSizeUpToKiB_AndDefaultsCompat()
    {
        var argv = QemuImgCommandBuilder.Build(new QemuImgRequest { Volume = Volume("qcow2", 1025) }, QemuImgStep.Single);
        Assert.Equal(["qemu-img", "create", "-f", "qcow2", "-o", "compat=0.10", "/srv/p/v", "2K"], argv);
    }

    [Theory]
    [InlineData("raw", QemuImgCreateFlags.PreallocMetadata, "unsupported configuration: metadata preallocation only available with qcow2")]
    [InlineData("vmdk", QemuImgCreateFlags.None, "unsupported configuration: compatibility option only available with qcow2")]
    public void Build_OptionsOnlyQcow2Knows_AreRefused(string format, QemuImgCreateFlags flags, string message)
    {
        var volume = Volume(format);
        if (format != "raw")
        {
            volume.Target.Compat = "1.1";
        }
        var e = Assert.Throws<StorageException>(() =>
            QemuImgCommandBuilder.Build(new QemuImgRequest { Volume = volume, Flags = flags }, QemuImgStep.Single));
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void Build_RawWithBackingStore_IsRefused()
    {
        var volume = Volume("raw");
        volume.BackingStore = new VolumeBackingStore { Path = "/srv/p/base", Format = "qcow2" };
        var e = Assert.Throws<StorageException>(() =>
            QemuImgCommandBuilder.Build(new QemuImgRequest { Volume = volume }, QemuImgStep.Single));
        Assert.Equal("unsupported configuration: cannot set backing store for raw volume", e.Message);
    }

    [Fact]
    public void Build_LuksWithoutSecretFile_IsAnInternalError()
    {
        var volume = Volume("raw");
        volume.Target.Encryption = new StorageEncryption { Format = EncryptionFormat.Luks };
        volume.Target.Encryption.Secrets.Add(new EncryptionSecret(SecretLookup.ByUsage("u")));
        var e = Assert.Throws<StorageException>(() =>
            QemuImgCommandBuilder.Build(new QemuImgRequest { Volume = volume }, QemuImgStep.Single));
        Assert.Equal("internal error: path to secret data file is required", e.Message);
    }

    [Fact]
    public void Build_LuksSecretPathWithComma_IsEscapedForQemu()
    {
        var volume = Volume("raw");
        volume.Target.Encryption = new StorageEncryption { Format = EncryptionFormat.Luks };
        volume.Target.Encryption.Secrets.Add(new EncryptionSecret(SecretLookup.ByUsage("u")));
        var argv = QemuImgCommandBuilder.Build(
            new QemuImgRequest { Volume = volume, SecretPath = "/run/a,b" }, QemuImgStep.Single);
        Assert.Contains("secret,id=v_encrypt0,file=/run/a,,b", argv);
    }

    [Theory]
    [InlineData("plain/path-1.img", "plain/path-1.img")]
    [InlineData("with space", "'with space'")]
    [InlineData("it's", "'it'\\''s'")]
    [InlineData("", "''")]
    public void Quote_IsShellSafe_LikeVirBufferEscapeShell(string word, string quoted)
    {
        Assert.Equal(quoted, CommandLineText.Quote(word));
    }
}
