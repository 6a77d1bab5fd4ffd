using StorageFs.Core.Xml;

namespace StorageFs.Core.Tests.Xml;

public sealed class FsXmlTests
{
    [Fact]
    public void FsPool_FormatsLikeTheFspoolSeries()
    {
        var def = FsPoolXml.Parse("""
            <fspool type="dir">
              <name>containers</name>
              <uuid>024835f8-52b5-4226-b2b4-8c0d3afa5b2f</uuid>
              <capacity>5</capacity>
              <source><dir path='/ignored'/><product name='p&amp;q'/></source>
              <target>
                <path>/srv//fs/</path>
                <permissions><mode>0755</mode><owner>0</owner><group>-1</group></permissions>
              </target>
            </fspool>
            """);
        Assert.Equal("""
            <fspool type='dir'>
              <name>containers</name>
              <uuid>024835f8-52b5-4226-b2b4-8c0d3afa5b2f</uuid>
              <capacity unit='bytes'>0</capacity>
              <allocation unit='bytes'>0</allocation>
              <available unit='bytes'>0</available>
              <source>
                <product name='p&amp;q'/>
              </source>
              <target>
                <path>/srv/fs</path>
                <permissions>
                  <mode>0755</mode>
                  <owner>0</owner>
                </permissions>
              </target>
            </fspool>

            """, FsPoolXml.Format(def));
    }

    [Theory]
    [InlineData("<fspool><name>f</name></fspool>", "XML error: fspool missing type attribute")]
    [InlineData("<fspool type='volume'><name>f</name></fspool>", "unsupported configuration: unknown fspool type 'volume' (attribute 'type' of element 'fspool' must be dir)")]
    [InlineData("<fspool type='dir'><target><path>/srv/f</path></target></fspool>", "XML error: missing pool source name element")]
    [InlineData("<fspool type='dir'><name>a/b</name></fspool>", "XML error: name a/b cannot contain '/'")]
    [InlineData("<fspool type='dir'><name>f</name></fspool>", "XML error: missing storage pool target path")]
    [InlineData("<pool type='dir'/>", "XML error: unexpected root element <pool>, expecting <fspool>")]
    public void FsPool_Invalid_IsRejectedNamingTheFault(string xml, string message)
    {
        Assert.Equal(message, Assert.Throws<StorageException>(() => FsPoolXml.Parse(xml)).Message);
    }

    [Fact]
    public void FsItem_SeriesItemRoot_IsAccepted_AndWrittenAsFsitem()
    {
        var pool = new FsPoolDefinition();
        var item = FsItemXml.Parse("""
            <item type='dir'>
              <name>web</name>
              <key>/srv/fs/web</key>
              <capacity unit='G'>2</capacity>
              <allocation>0</allocation>
              <target><path>/srv/fs/web</path><format type='dir'/><permissions><mode>0700</mode></permissions></target>
            </item>
            """, pool);
        Assert.Equal("""
            <fsitem>
              <name>web</name>
              <key>/srv/fs/web</key>
              <capacity unit='bytes'>2147483648</capacity>
              <allocation unit='bytes'>0</allocation>
              <target>
                <path>/srv/fs/web</path>
                <format type='dir'/>
                <permissions>
                  <mode>0700</mode>
                </permissions>
              </target>
            </fsitem>

            """, FsItemXml.Format(item));
    }

    [Theory]
    [InlineData("<fsitem><capacity>1</capacity></fsitem>", "XML error: missing item name element")]
    [InlineData("<fsitem><name>i</name></fsitem>", "XML error: missing capacity element")]
    [InlineData("<fsitem type='file'><name>i</name><capacity>1</capacity></fsitem>", "unsupported configuration: unknown item type 'file'")]
    [InlineData("<fsitem><name>i</name><capacity>1</capacity><target><format type='qcow2'/></target></fsitem>",
                "unsupported configuration: unknown item format type qcow2 (an fspool item is always a 'dir')")]
    [InlineData("<fsitem><name>i</name><capacity unit='X'>1</capacity></fsitem>",
                "invalid argument: unknown suffix 'X' (attribute 'unit' of element 'capacity')")]
    public void FsItem_Invalid_IsRejectedNamingTheFault(string xml, string message)
    {
        Assert.Equal(message, Assert.Throws<StorageException>(() => FsItemXml.Parse(xml, new FsPoolDefinition())).Message);
    }
}
