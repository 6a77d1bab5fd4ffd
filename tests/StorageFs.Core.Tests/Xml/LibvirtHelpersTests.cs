using StorageFs.Core.Xml;

namespace StorageFs.Core.Tests.Xml;

/// <summary>The helpers that mimic libvirt's C utilities accept and refuse what those do.</summary>
public sealed class LibvirtHelpersTests
{
    [Theory]
    [InlineData("///var/////lib/libvirt/images//", "/var/lib/libvirt/images")]
    [InlineData("/", "/")]
    [InlineData("//", "//")]
    [InlineData("///", "/")]
    [InlineData("//foo//bar/", "//foo/bar")]
    [InlineData("/../foo", "/../foo")]
    [InlineData("samba_share", "samba_share")]
    [InlineData("a//b/", "a/b")]
    [InlineData("gluster://example.com/vol//dir/", "gluster://example.com/vol//dir/")]
    [InlineData("/mnt/a://b", "/mnt/a:/b")]
    [InlineData("", "")]
    public void SanitizePath_BehavesLikeVirFileSanitizePath(string input, string expected)
    {
        Assert.Equal(expected, LibvirtText.SanitizePath(input));
    }

    [Theory]
    [InlineData("70a7eb15-6c34-ee9c-bf57-69e8e5ff3fb2", "70a7eb15-6c34-ee9c-bf57-69e8e5ff3fb2")]
    [InlineData("70A7EB156C34EE9CBF5769E8E5FF3FB2", "70a7eb15-6c34-ee9c-bf57-69e8e5ff3fb2")]
    [InlineData("  70a7eb15 6c34-ee9c-bf57--69e8e5ff3fb2\n", "70a7eb15-6c34-ee9c-bf57-69e8e5ff3fb2")]
    public void ParseUuid_IsLiberalAsVirUUIDParse(string input, string expected)
    {
        Assert.True(LibvirtText.TryParseUuid(input, out var uuid));
        Assert.Equal(expected, LibvirtText.FormatUuid(uuid));
    }

    [Theory]
    [InlineData("70a7eb15-6c34-ee9c-bf57-69e8e5ff3fb")]
    [InlineData("70a7eb15-6c34-ee9c-bf57-69e8e5ff3fb2a")]
    [InlineData("70a7eb1-56c34-ee9c-bf57-69e8e5ff3fb2")]
    [InlineData("g0a7eb15-6c34-ee9c-bf57-69e8e5ff3fb2")]
    [InlineData("")]
    public void ParseUuid_RefusesWhatVirUUIDParseRefuses(string input)
    {
        Assert.False(LibvirtText.TryParseUuid(input, out _));
    }

    [Theory]
    [InlineData("a<b>c&d\"e'f", "a&lt;b&gt;c&amp;d&quot;e&apos;f")]
    // libvirt writes these three raw, which does not parse back (FuzzFindingsTests): references instead.
    [InlineData("tab\there\nnl\rcr", "tab&#9;here&#10;nl&#13;cr")]
    [InlineData("bell\u0007gone", "bellgone")]
    [InlineData("plain", "plain")]
    public void Escape_BehavesLikeVirBufferEscapeString(string input, string expected)
    {
        Assert.Equal(expected, LibvirtText.Escape(input));
    }

    [Theory]
    [InlineData("0700", 0x1C0u)]
    [InlineData(" 0700", 0x1C0u)]
    [InlineData("+755", 0x1EDu)]
    [InlineData("0", 0u)]
    public void PoolMode_IsReadAsStrtolBase8(string mode, uint expected)
    {
        var def = PoolXml.Parse($"<pool type='dir'><name>p</name><target><path>/p</path><permissions><mode>{mode}</mode></permissions></target></pool>");
        Assert.Equal(expected, def.Target.Permissions.Mode);
    }

    [Theory]
    [InlineData("0744", 744u)]
    [InlineData(" 5 ", 5u)]
    [InlineData("1e3", 1000u)]
    [InlineData("-1", null)]
    [InlineData("4294967295", null)]
    [InlineData("4294967294", 4294967294u)]
    public void Owner_IsReadAsXPathNumber_WithMinusOneMeaningUnset(string owner, uint? expected)
    {
        var def = PoolXml.Parse($"<pool type='dir'><name>p</name><target><path>/p</path><permissions><owner>{owner}</owner></permissions></target></pool>");
        Assert.Equal(expected, def.Target.Permissions.Owner);
    }

    [Theory]
    [InlineData("0700 ")]
    [InlineData("0x1ff")]
    [InlineData("")]
    public void PoolMode_TrailingGarbage_IsMalformed(string mode)
    {
        var xml = $"<pool type='dir'><name>p</name><target><path>/p</path><permissions><mode>{mode}</mode></permissions></target></pool>";
        if (mode.Length == 0)
        {
            // An empty <mode/> is "no mode", as virXPathString returns NULL for "".
            Assert.Null(PoolXml.Parse(xml).Target.Permissions.Mode);
            return;
        }
        Assert.Equal("XML error: malformed octal mode", Assert.Throws<StorageException>(() => PoolXml.Parse(xml)).Message);
    }

    [Fact]
    public void ElementsInAnotherNamespace_AreNotLibvirtElements()
    {
        // XPath ./name matches only elements without a namespace.
        var e = Assert.Throws<StorageException>(() =>
            PoolXml.Parse("<pool xmlns='urn:x' type='dir'><name>p</name><target><path>/p</path></target></pool>"));
        Assert.Equal("XML error: missing pool source name element", e.Message);
    }

    [Fact]
    public void FirstOfRepeatedElements_Wins_AndCdataAndCommentsReadAsText()
    {
        var def = PoolXml.Parse(
            "<pool type='dir'><name>a<!-- x --><![CDATA[<b>]]></name><name>second</name><target><path>/p</path></target></pool>");
        Assert.Equal("a<b>", def.Name);
    }
}
