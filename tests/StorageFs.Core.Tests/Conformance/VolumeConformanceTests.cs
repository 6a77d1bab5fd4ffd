using StorageFs.Core.Xml;

namespace StorageFs.Core.Tests.Conformance;

/// <summary>
/// libvirt's storagevolxml2xmltest over libvirt 9.0.0's corpus (tests/corpus/fetch-libvirt): each <c>vol</c> row's input, parsed
/// in the context of its pool document with the row's flags, formats byte for byte to its
/// expected output.
/// </summary>
public sealed class VolumeConformanceTests
{
    public static TheoryData<string> VolRows => LibvirtCorpus.Inputs("vol");

    [Theory]
    [MemberData(nameof(VolRows))]
    public void VolumeXml_ParseThenFormat_MatchesLibvirtOutputByteForByte(string input)
    {
        var corpus = LibvirtCorpus.Require();
        var row = corpus.Case("vol", input);
        var pool = PoolXml.Parse(corpus.Read(row.Pool));
        var flags = ParseFlags(row.Flags);
        var xml = corpus.Read(row.Input);
        if (row.ExpectsFailure)
        {
            var e = Assert.Throws<StorageException>(() => VolumeXml.Parse(xml, pool, flags));
            Assert.False(string.IsNullOrWhiteSpace(e.Message));
            return;
        }
        var actual = VolumeXml.Format(VolumeXml.Parse(xml, pool, flags), pool);
        Assert.Equal(corpus.Read(row.Expected), actual);
    }

    /// <summary>The parse flags named in a row's flags column.</summary>
    internal static VolumeParseFlags ParseFlags(string column)
    {
        var flags = VolumeParseFlags.None;
        if (column.Contains("VIR_VOL_XML_PARSE_NO_CAPACITY", StringComparison.Ordinal))
        {
            flags |= VolumeParseFlags.NoCapacity;
        }
        if (column.Contains("VIR_VOL_XML_PARSE_OPT_CAPACITY", StringComparison.Ordinal))
        {
            flags |= VolumeParseFlags.OptCapacity;
        }
        return flags;
    }
}
