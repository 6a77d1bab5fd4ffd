namespace StorageFs.Tests;

public sealed class XmlVerbTests
{
    private const string DirPool = "<pool type=\"dir\"><name>p1</name><uuid>70a7eb15-6c34-ee9c-bf57-69e8e5ff3fb2</uuid><target><path>/srv/p1</path></target></pool>";

    [Fact]
    public void Xml_OfAValidPoolFile_PrintsItInLibvirtFormat_AndExitsZero()
    {
        string f = Path.GetTempFileName();
        try
        {
            File.WriteAllText(f, DirPool);
            var (code, stdout, stderr) = CliRunner.Run(null, "xml", f);
            Assert.Equal(0, code);
            Assert.Equal("", stderr);
            Assert.StartsWith("<pool type='dir'>\n  <name>p1</name>\n  <uuid>70a7eb15-6c34-ee9c-bf57-69e8e5ff3fb2</uuid>\n", stdout);
            Assert.Contains("    <path>/srv/p1</path>\n", stdout);
        }
        finally
        {
            File.Delete(f);
        }
    }

    [Fact]
    public void Xml_FromStdin_WithAnUnknownPoolType_PrintsTheErrorAndExitsOne()
    {
        var (code, stdout, stderr) = CliRunner.Run("<pool type='foo'><name>x</name></pool>", "xml", "-");
        Assert.Equal(1, code);
        Assert.Equal("", stdout);
        Assert.Contains("unknown storage pool type 'foo'", stderr);
    }

    [Fact]
    public void Xml_OfAPoolWithoutTargetPath_SaysWhatIsMissing()
    {
        var (code, _, stderr) = CliRunner.Run("<pool type='dir'><name>x</name></pool>", "xml", "-");
        Assert.Equal(1, code);
        Assert.Contains("missing storage pool target path", stderr);
    }

    [Fact]
    public void Xml_OfAVolume_InTheContextOfTheGivenPool_FormatsIt()
    {
        string pool = Path.GetTempFileName();
        try
        {
            File.WriteAllText(pool, DirPool);
            var (code, stdout, stderr) = CliRunner.Run(
                "<volume><name>v1.qcow2</name><capacity unit='G'>1</capacity><target><format type='qcow2'/></target></volume>",
                "xml", "-", "--pool", pool);
            Assert.True(code == 0, stderr);
            Assert.Contains("<capacity unit='bytes'>1073741824</capacity>", stdout);
            Assert.Contains("<format type='qcow2'/>", stdout);
        }
        finally
        {
            File.Delete(pool);
        }
    }

    [Fact]
    public void Xml_OfAMissingFile_FailsWithTheReason()
    {
        var (code, _, stderr) = CliRunner.Run(null, "xml", "/nonexistent/pool.xml");
        Assert.Equal(1, code);
        Assert.Contains("/nonexistent/pool.xml", stderr);
    }

    [Fact]
    public void NoVerb_PrintsUsageAndExitsTwo()
    {
        var (code, _, stderr) = CliRunner.Run(null);
        Assert.Equal(2, code);
        Assert.Contains("demo", stderr);
        Assert.Contains("xml", stderr);
    }
}
