using StorageFs.Core.Secrets;
using StorageFs.Core.Xml;

namespace StorageFs.Core.Tests.Conformance;

/// <summary>
/// libvirt's secretxml2xmltest over libvirt 9.0.0's corpus (tests/corpus/fetch-libvirt): each
/// <c>secret</c> row parses and formats byte for byte to its expected output, and every document
/// virschematest validates against secret.rng is accepted.
/// </summary>
public sealed class SecretConformanceTests
{
    public static TheoryData<string> SecretRows => LibvirtCorpus.Inputs("secret");

    public static TheoryData<string> SecretSchemaRows => LibvirtCorpus.Inputs("secret-schema");

    [Theory]
    [MemberData(nameof(SecretRows))]
    public void SecretXml_ParseThenFormat_MatchesLibvirtOutputByteForByte(string input)
    {
        var corpus = LibvirtCorpus.Require();
        var row = corpus.Case("secret", input);

        var actual = SecretDefinitionXml.Format(SecretDefinitionXml.Parse(corpus.Read(row.Input)));

        Assert.Equal(corpus.Read(row.Expected), actual);
    }

    [Theory]
    [MemberData(nameof(SecretSchemaRows))]
    public void SecretSchemaDocument_IsAccepted_AndStableThroughFormat(string input)
    {
        var corpus = LibvirtCorpus.Require();
        var row = corpus.Case("secret-schema", input);
        Assert.False(row.ExpectsFailure);

        var once = SecretDefinitionXml.Format(SecretDefinitionXml.Parse(corpus.Read(row.Input)));

        Assert.Equal(once, SecretDefinitionXml.Format(SecretDefinitionXml.Parse(once)));
    }
}
