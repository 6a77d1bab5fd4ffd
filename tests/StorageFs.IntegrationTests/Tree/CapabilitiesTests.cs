using System.Xml;
using System.Xml.Linq;
using StorageFs.Core.Model;
using StorageFs.Backends.HostTools;
using StorageFs.Backends;

namespace StorageFs.IntegrationTests.Tree;

/// <summary>
/// <c>capabilities</c> read through a real mount tells the truth about this host: a pool type is
/// supported='yes' only when its tools and kernel features are here, the reason for a 'no' (or
/// what is limited) is an XML comment inside its &lt;pool&gt; element, and the document keeps
/// the shape of libvirt's storagepoolcaps.rng. Starting a pool of a type the host cannot run
/// fails with EOPNOTSUPP naming what is missing (docs/TREE.md, docs/BACKENDS.md).
/// </summary>
public sealed class CapabilitiesTests(TreeFixture fixture) : IClassFixture<TreeFixture>
{
    private readonly TreeMount _tree = fixture.Mount;

    private XDocument Read() => XDocument.Parse(_tree.Ok("cat \"$M/capabilities\""));

    private static XElement PoolOf(XDocument caps, string type) =>
        caps.Root!.Elements("pool").Single(p => (string?)p.Attribute("type") == type);

    private static string? CommentOf(XElement pool) => pool.Nodes().OfType<XComment>().SingleOrDefault()?.Value.Trim();

    [Fact]
    public void EveryPoolType_IsListedOnce_SupportedExactlyWhenThisHostCanRunIt_WithTheReasonAsAComment()
    {
        var caps = Read();
        var registry = BackendRegistry.Create();
        var probe = registry.PoolCapabilities.Select(c => registry.Get(c.Type).Availability()).ToDictionary(a => a.Type.ToXml());

        Assert.Equal(PoolTypes.All.Select(t => t.XmlName), caps.Root!.Elements("pool").Select(p => (string)p.Attribute("type")!));
        foreach (var pool in caps.Root.Elements("pool"))
        {
            string type = (string)pool.Attribute("type")!;
            string supported = (string)pool.Attribute("supported")!;
            string? comment = CommentOf(pool);
            if (!probe.TryGetValue(type, out var availability))
            {
                Assert.Equal(("no", "StorageFs has no backend for this pool type"), (supported, comment));
                continue;
            }
            Assert.Equal(availability.Runnable ? "yes" : "no", supported);
            if (!availability.Runnable)
            {
                Assert.Equal("not available on this host: " + availability.Reason.Replace("--", "- -", StringComparison.Ordinal), comment);
                Assert.Empty(pool.Elements());
            }
            else if (availability.Reason.Length > 0)
            {
                Assert.Equal("limited on this host: " + availability.Reason, comment);
            }
            else
            {
                Assert.Null(comment);
            }
        }
    }

    [Fact]
    public void TheKernelsMissingPieces_AreNamed_IscsiTcpScsiAndDeviceMapper()
    {
        var caps = Read();

        // Independent of the probe: what /sys says right now.
        if (!Directory.Exists("/sys/class/iscsi_transport/tcp"))
        {
            var iscsi = PoolOf(caps, "iscsi");
            Assert.Equal("no", (string)iscsi.Attribute("supported")!);
            Assert.Contains("iscsi_tcp", CommentOf(iscsi), StringComparison.Ordinal);
        }
        if (!Directory.Exists("/sys/class/scsi_host"))
        {
            Assert.Contains("/sys/class/scsi_host", CommentOf(PoolOf(caps, "scsi")), StringComparison.Ordinal);
        }
        if (!Directory.Exists("/sys/class/misc/device-mapper"))
        {
            Assert.Equal("no", (string)PoolOf(caps, "mpath").Attribute("supported")!);
            Assert.Contains("device-mapper", CommentOf(PoolOf(caps, "mpath")), StringComparison.Ordinal);
            Assert.Contains("device-mapper", CommentOf(PoolOf(caps, "logical")), StringComparison.Ordinal);
        }
        Assert.Equal("yes", (string)PoolOf(caps, "dir").Attribute("supported")!);
        Assert.Null(CommentOf(PoolOf(caps, "dir")));
        Assert.Contains(PoolOf(caps, "dir").Descendants("value"), v => v.Value == "qcow2");
    }

    [Fact]
    public void PoolElements_HaveTheShapeOfLibvirtsStoragepoolcapsSchema()
    {
        // storagepoolcaps.rng: <pool type=… supported=yes|no> holding an optional <poolOptions>
        // then an optional <volOptions> (a <defaultFormat type=…/> then <enum name=…> of
        // <value>s); comments are outside RELAX NG's model. (The <fspool> rows are StorageFs's
        // own and not in libvirt's schema.)
        var caps = Read();

        Assert.Equal("storagepoolCapabilities", caps.Root!.Name.LocalName);
        Assert.All(caps.Root.Elements(), e => Assert.Contains(e.Name.LocalName, new[] { "pool", "fspool" }));
        foreach (var pool in caps.Root.Elements("pool"))
        {
            Assert.Equal(["type", "supported"], pool.Attributes().Select(a => a.Name.LocalName));
            Assert.Contains((string)pool.Attribute("supported")!, new[] { "yes", "no" });
            var children = pool.Elements().Select(e => e.Name.LocalName).ToList();
            Assert.True(children is [] or ["volOptions"] or ["poolOptions"] or ["poolOptions", "volOptions"], string.Join(",", children));
            foreach (var vol in pool.Elements("volOptions"))
            {
                Assert.Equal(["defaultFormat", "enum"], vol.Elements().Select(e => e.Name.LocalName));
                Assert.NotNull(vol.Element("defaultFormat")!.Attribute("type"));
                Assert.All(vol.Element("enum")!.Elements(), v => Assert.Equal("value", v.Name.LocalName));
            }
            Assert.All(pool.Nodes().OfType<XComment>(), c => Assert.DoesNotContain("--", c.Value, StringComparison.Ordinal));
        }
        // A strict reader (XmlReader with default settings) accepts it too.
        using var reader = XmlReader.Create(new StringReader(caps.ToString()));
        while (reader.Read())
        {
        }
    }

    [SchemaFact]
    public void PoolElements_ValidateAgainstLibvirtsRelaxNgSchema_WithXmllint()
    {
        // The <fspool> rows are StorageFs's own (libvirt has no fspools) and are left out.
        var caps = Read();
        caps.Root!.Elements("fspool").Remove();
        string file = Path.Combine(_tree.WorkDir, "caps.xml");
        File.WriteAllText(file, caps.ToString());

        var r = Shell.Run($"xmllint --noout --relaxng '{LibvirtCorpus.Require().PathOf("src/conf/schemas/storagepoolcaps.rng")}' '{file}'");

        Assert.True(r.Succeeded, r.ToString());
        Assert.Contains("validates", r.Stderr, StringComparison.Ordinal);
        Assert.Contains(caps.Root.Elements("pool").Nodes(), n => n is XComment);
    }

    [UnrunnableIscsiFact]
    public void StartingAnIscsiPool_OnAHostWithoutTheInitiator_FailsWithEOPNOTSUPP_NamingIt()
    {
        string n = _tree.NewName("iscsi");
        _tree.Ok($"""echo "<pool type='iscsi'><name>{n}</name><source><host name='127.0.0.1'/><device path='iqn.2024-01.org.example:{n}'/></source><target><path>/dev/disk/by-path</path></target></pool>" > "$M/define" """);

        _tree.Fails($"""echo start > "$M/pools/{n}/ctl" """, "write error: Operation not supported");

        string line = _tree.AssertLastError($"pools/{n}/ctl", "EOPNOTSUPP");
        Assert.Contains($"storage pool '{n}' of type 'iscsi' cannot run on this host", line, StringComparison.Ordinal);
        Assert.Contains(Directory.Exists("/sys/class/iscsi_transport/tcp") ? "iscsiadm" : "iscsi_tcp", line, StringComparison.Ordinal);
        Assert.Equal("inactive\n", _tree.Ok($"cat \"$M/pools/{n}/state\""));
        _tree.Ok($"""echo "undefine {n}" > "$M/pools/{n}/ctl" """);
    }

    /// <summary>Needs xmllint (libxml2-utils); libvirt's storagepoolcaps.rng comes from the
    /// libvirt corpus fetched at test time (a failure to fetch it fails the test).</summary>
    private sealed class SchemaFactAttribute : FactAttribute
    {
        public SchemaFactAttribute()
        {
            if (!new[] { "/usr/bin/xmllint", "/bin/xmllint", "/usr/local/bin/xmllint" }.Any(File.Exists))
                Skip = "needs xmllint (Debian package libxml2-utils) to validate against libvirt's RELAX NG schema";
        }
    }

    /// <summary>Skipped on a host that can run iscsi pools (iscsi_tcp and iscsiadm present),
    /// where a start would attempt a real login instead of being refused.</summary>
    private sealed class UnrunnableIscsiFactAttribute : FactAttribute
    {
        public UnrunnableIscsiFactAttribute()
        {
            if (BackendRegistry.Create().Get(PoolType.Iscsi).Availability().Runnable)
                Skip = "this host has the kernel iSCSI initiator (iscsi_tcp) and iscsiadm: an iscsi pool is not refused here";
        }
    }
}
