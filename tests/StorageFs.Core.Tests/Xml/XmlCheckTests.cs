using StorageFs.Core.Xml;

namespace StorageFs.Core.Tests.Xml;

public sealed class XmlCheckTests
{
    private const string Pool = """
        <pool type='dir'>
          <name>images</name>
          <uuid>70a7eb15-6c34-ee9c-bf57-69e8e5ff3fb2</uuid>
          <target><path>/srv//images/</path></target>
        </pool>
        """;

    [Fact]
    public void Run_Pool_PrintsItAsStorageFsFormatsIt()
    {
        var (code, output) = XmlCheck.Run(Pool, null);
        Assert.Equal(0, code);
        Assert.Equal("""
            <pool type='dir'>
              <name>images</name>
              <uuid>70a7eb15-6c34-ee9c-bf57-69e8e5ff3fb2</uuid>
              <capacity unit='bytes'>0</capacity>
              <allocation unit='bytes'>0</allocation>
              <available unit='bytes'>0</available>
              <source>
              </source>
              <target>
                <path>/srv/images</path>
              </target>
            </pool>

            """, output);
    }

    [Fact]
    public void Run_VolumeWithoutPool_IsReadAsInADirPool()
    {
        var (code, output) = XmlCheck.Run("<volume><name>v</name><capacity unit='G'>1</capacity></volume>", null);
        Assert.Equal(0, code);
        Assert.Contains("<capacity unit='bytes'>1073741824</capacity>", output);
        Assert.Contains("<format type='raw'/>", output);
    }

    [Fact]
    public void Run_VolumeWithPool_UsesThePoolsFormats()
    {
        const string disk = "<pool type='disk'><name>sda</name><source><device path='/dev/sda'/></source><target><path>/dev</path></target></pool>";
        var (code, output) = XmlCheck.Run("<volume><name>sda1</name><capacity>1</capacity></volume>", disk);
        Assert.Equal(0, code);
        Assert.Contains("<format type='none'/>", output);

        var (badCode, badOutput) = XmlCheck.Run(
            "<volume><name>sda1</name><capacity>1</capacity><target><format type='qcow2'/></target></volume>", disk);
        Assert.Equal(1, badCode);
        Assert.Equal("error: unsupported configuration: unknown volume format type qcow2\n", badOutput);
    }

    [Fact]
    public void Run_VolumeWithBrokenPoolDocument_BlamesThePoolDocument()
    {
        var (code, output) = XmlCheck.Run("<volume><name>v</name><capacity>1</capacity></volume>", "<pool type='dir'/>");
        Assert.Equal(1, code);
        Assert.Equal("error: pool document: XML error: missing pool source name element\n", output);
    }

    [Fact]
    public void Run_VolumeWithBackingStoreAndNoCapacity_IsAccepted()
    {
        var (code, _) = XmlCheck.Run("<volume><name>v</name><backingStore><path>/srv/b</path></backingStore></volume>", null);
        Assert.Equal(0, code);
        var (noCode, noOutput) = XmlCheck.Run("<volume><name>v</name></volume>", null);
        Assert.Equal(1, noCode);
        Assert.Equal("error: XML error: missing capacity element\n", noOutput);
    }

    [Fact]
    public void Run_FsPoolAndItem_AreFormatted()
    {
        var (code, output) = XmlCheck.Run(
            "<fspool type='dir'><name>fs</name><uuid>024835f8-52b5-4226-b2b4-8c0d3afa5b2f</uuid><target><path>/srv/fs</path></target></fspool>", null);
        Assert.Equal(0, code);
        Assert.StartsWith("<fspool type='dir'>\n  <name>fs</name>\n", output);

        var (itemCode, item) = XmlCheck.Run("<fsitem><name>site</name><capacity unit='M'>5</capacity></fsitem>", null);
        Assert.Equal(0, itemCode);
        Assert.Equal("""
            <fsitem>
              <name>site</name>
              <capacity unit='bytes'>5242880</capacity>
              <allocation unit='bytes'>5242880</allocation>
              <target>
                <format type='dir'/>
              </target>
            </fsitem>

            """, item);
    }

    [Theory]
    [InlineData("<domain/>", "error: XML error: unexpected root element <domain>, expecting <pool>, <fspool>, <volume> or <fsitem>\n")]
    [InlineData("<pool type='dir'><name>.hidden</name><target><path>/srv/x</path></target></pool>",
                "error: invalid argument: pool name '.hidden' must not start with '.'\n")]
    [InlineData("<volume><name>.v</name><capacity>1</capacity></volume>", "error: invalid argument: volume name '.v' must not start with '.'\n")]
    [InlineData("<pool type='foo'><name>p</name></pool>", "error: XML error: unknown storage pool type 'foo'")]
    [InlineData("<pool type='dir'>", "error: XML error: (document):1:")]
    [InlineData("<!DOCTYPE pool [<!ENTITY a 'b'>]><pool/>", "error: XML error: (document): document type declarations")]
    public void Run_BadDocuments_ExitOneWithTheError(string xml, string expectedStart)
    {
        var (code, output) = XmlCheck.Run(xml, null);
        Assert.Equal(1, code);
        Assert.StartsWith(expectedStart, output);
        Assert.EndsWith("\n", output);
    }
}
