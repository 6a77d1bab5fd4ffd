using StorageFs.Core.Xml;

namespace StorageFs.Core.Tests.Conformance;

/// <summary>
/// libvirt's virschematest rows over libvirt 9.0.0's corpus (tests/corpus/fetch-libvirt), checked with StorageFs' parser (it
/// does not run RelaxNG): every VALID pool and volume document — the xml2xml inputs and
/// outputs, the schemadata files and the examples — is accepted, and every
/// <c>-invalid.xml</c> document is rejected with a message. A volume is read in the context of
/// the pool its xml2xml row names (else a dir pool), with capacity optional as in the schema.
/// </summary>
public sealed class SchemaConformanceTests
{
    public static TheoryData<string> PoolSchemaRows => LibvirtCorpus.Inputs("pool-schema");

    public static TheoryData<string> VolSchemaRows => LibvirtCorpus.Inputs("vol-schema");

    [Theory]
    [MemberData(nameof(PoolSchemaRows))]
    public void PoolSchemaDocument_IsAcceptedWhenValid_AndRejectedWhenInvalid(string input)
    {
        var corpus = LibvirtCorpus.Require();
        var row = corpus.Case("pool-schema", input);
        var xml = corpus.Read(row.Input);
        if (row.ExpectsFailure)
        {
            var e = Assert.Throws<StorageException>(() => PoolXml.Parse(xml));
            Assert.StartsWith("XML error: ", e.Message);
            return;
        }
        var def = PoolXml.Parse(xml);
        Assert.Equal(PoolXml.Format(def), PoolXml.Format(PoolXml.Parse(PoolXml.Format(def))));
    }

    [Theory]
    [MemberData(nameof(VolSchemaRows))]
    public void VolumeSchemaDocument_IsAcceptedWhenValid_AndRejectedWhenInvalid(string input)
    {
        var corpus = LibvirtCorpus.Require();
        var row = corpus.Case("vol-schema", input);
        var pool = PoolXml.Parse(corpus.Read(PoolContextOf(corpus, row.Input)));
        var xml = corpus.Read(row.Input);
        const VolumeParseFlags flags = VolumeParseFlags.NoCapacity;
        if (row.ExpectsFailure)
        {
            Assert.Throws<StorageException>(() => VolumeXml.Parse(xml, pool, flags));
            return;
        }
        var def = VolumeXml.Parse(xml, pool, flags);
        var once = VolumeXml.Format(def, pool);
        Assert.Equal(once, VolumeXml.Format(VolumeXml.Parse(once, pool, flags), pool));
    }

    [Fact]
    public void DerivedCases_Counts_AreThoseOfLibvirt9TestPrograms()
    {
        var corpus = LibvirtCorpus.Require();
        var counts = corpus.Cases.GroupBy(c => c.Kind).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(38, counts["pool"]);
        Assert.Equal(20, counts["vol"]);
        Assert.Equal(33, counts["pool-argv"]);
        Assert.Equal(27, counts["vol-argv"]);
        Assert.Equal(83, counts["pool-schema"]);
        Assert.Equal(55, counts["vol-schema"]);
        Assert.Equal(2, counts["poolcaps-schema"]);
        Assert.Equal(7, counts["secret"]);
        Assert.Equal(7, counts["secret-schema"]);
    }

    private static string PoolContextOf(LibvirtCorpus corpus, string volumeInput)
    {
        var name = Path.GetFileName(volumeInput);
        var row = corpus.Cases.FirstOrDefault(c =>
            c.Kind == "vol" && (Path.GetFileName(c.Input) == name || Path.GetFileName(c.Expected) == name));
        return row?.Pool ?? "tests/storagepoolxml2xmlin/pool-dir.xml";
    }
}
