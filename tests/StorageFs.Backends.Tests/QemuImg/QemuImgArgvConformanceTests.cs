using System.Text.RegularExpressions;
using StorageFs.Core;
using StorageFs.Core.Model;
using StorageFs.Core.Xml;
using StorageFs.Backends.HostTools;
using StorageFs.Backends.QemuImg;

namespace StorageFs.Backends.Tests.QemuImg;

/// <summary>
/// libvirt's storagevolxml2argvtest over libvirt 9.0.0's corpus (tests/corpus/fetch-libvirt): for each <c>vol-argv</c> row the
/// volume (and input volume, for a clone) is parsed in its pool, given the type libvirt's
/// createVol gives it, and the qemu-img command(s) must match the .argv file exactly; FAIL
/// rows must be refused with a message.
/// </summary>
public sealed partial class QemuImgArgvConformanceTests
{
    public static TheoryData<string, string> VolArgvRows
    {
        get
        {
            var data = new TheoryData<string, string>();
            if (LibvirtCorpus.Current is null)
            {
                data.Add(LibvirtCorpus.Missing, "");
                return data;
            }
            foreach (var row in LibvirtCorpus.Current.Of("vol-argv"))
            {
                data.Add(row.Input, row.Expected);
            }
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(VolArgvRows))]
    public void QemuImgCommand_MatchesLibvirtsArgvFile(string input, string expected)
    {
        var corpus = LibvirtCorpus.Require();
        var row = corpus.Of("vol-argv").Single(r => r.Input == input && r.Expected == expected);
        string Read(string relative) => corpus.Read(relative);

        var pool = PoolXml.Parse(Read(row.Pool));
        var flags = row.Flags.Contains("VIR_VOL_XML_PARSE_OPT_CAPACITY", StringComparison.Ordinal)
            ? VolumeParseFlags.OptCapacity
            : VolumeParseFlags.None;
        VolumeDefinition? inputVolume = null;
        var clone = InputVolume().Match(row.Note);
        if (clone.Success)
        {
            flags |= VolumeParseFlags.NoCapacity;
            var inputPool = PoolXml.Parse(Read(clone.Groups[2].Value));
            inputVolume = WithCreateType(VolumeXml.Parse(Read(clone.Groups[1].Value), inputPool), inputPool);
        }
        var volume = WithCreateType(VolumeXml.Parse(Read(row.Input), pool, flags), pool);
        var request = new QemuImgRequest
        {
            Volume = volume,
            Input = inputVolume,
            Flags = row.Flags.Contains("VIR_STORAGE_VOL_CREATE_PREALLOC_METADATA", StringComparison.Ordinal)
                ? QemuImgCreateFlags.PreallocMetadata
                : QemuImgCreateFlags.None,
            SecretPath = "/path/to/secretFile",
            InputSecretPath = "/path/to/inputSecretFile",
        };

        if (expected == "FAIL")
        {
            var e = Assert.Throws<StorageException>(() => QemuImgCommandBuilder.BuildAll(request));
            Assert.StartsWith("unsupported configuration: ", e.Message);
            return;
        }
        var actual = string.Join("\n", QemuImgCommandBuilder.BuildAll(request).Select(CommandLineText.Render)) + "\n";
        Assert.Equal(Read(expected), actual);
    }

    // What libvirt's createVol (and the test's testSetVolumeType) sets before building.
    private static VolumeDefinition WithCreateType(VolumeDefinition volume, PoolDefinition pool)
    {
        volume.Type = pool.Type switch
        {
            PoolType.Dir or PoolType.Fs or PoolType.NetFs => VolumeType.File,
            PoolType.Logical => VolumeType.Block,
            _ => volume.Type,
        };
        return volume;
    }

    [GeneratedRegex(@"input volume (\S+) in pool (\S+)")]
    private static partial Regex InputVolume();
}
