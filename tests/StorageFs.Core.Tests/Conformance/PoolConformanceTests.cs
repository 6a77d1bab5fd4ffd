using StorageFs.Core.Xml;

namespace StorageFs.Core.Tests.Conformance;

/// <summary>
/// libvirt's storagepoolxml2xmltest over libvirt 9.0.0's corpus (tests/corpus/fetch-libvirt): each <c>pool</c> row's input parses
/// and formats byte for byte to its expected output (the README permits no normalisation).
/// </summary>
public sealed class PoolConformanceTests
{
    public static TheoryData<string> PoolRows => LibvirtCorpus.Inputs("pool");

    [Theory]
    [MemberData(nameof(PoolRows))]
    public void PoolXml_ParseThenFormat_MatchesLibvirtOutputByteForByte(string input)
    {
        var corpus = LibvirtCorpus.Require();
        var row = corpus.Case("pool", input);
        var xml = corpus.Read(row.Input);
        if (row.ExpectsFailure)
        {
            var e = Assert.Throws<StorageException>(() => PoolXml.Parse(xml));
            Assert.False(string.IsNullOrWhiteSpace(e.Message));
            return;
        }
        var actual = PoolXml.Format(PoolXml.Parse(xml));
        Assert.Equal(corpus.Read(row.Expected), actual);
    }
}
