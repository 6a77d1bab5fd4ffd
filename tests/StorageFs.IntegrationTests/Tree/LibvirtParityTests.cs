using System.Xml.Linq;

namespace StorageFs.IntegrationTests.Tree;

/// <summary>
/// The tree's documents against a real libvirt 9.0 (<see cref="Libvirtd"/>, a
/// private daemon per comparison) pointed at the same directory: <c>vol/V/xml</c> equals
/// <c>virsh vol-dumpxml</c> byte for byte for raw, qcow2 (version 2 as libvirt creates it, and
/// version 3 as qemu-img does), qcow2 over a backing file and dir volumes; <c>capabilities</c> has libvirt's <c>&lt;poolOptions&gt;</c>; a stopped pool's
/// <c>xml</c> keeps its last sizes, as libvirt's does.
/// </summary>
public sealed class LibvirtParityTests(TreeFixture fixture) : IClassFixture<TreeFixture>
{
    private readonly TreeMount _tree = fixture.Mount;

    private ShellResult Libvirt(string script) =>
        Libvirtd.Run(script, new Dictionary<string, string> { ["S"] = _tree.StateDir, ["W"] = _tree.WorkDir }, TimeSpan.FromSeconds(60));

    [LibvirtdFact]
    public void VolXml_EqualsVirshVolDumpxml_ForRawQcow2BackedQcow2AndDirVolumes()
    {
        string p = _tree.NewRunningPool("lx");
        string P = $"$M/pools/{p}";
        string[] volumes = ["a.raw", "b.qcow2", "c.qcow2", "d", "e.qcow2"];
        _tree.Ok($"""
            echo "<volume><name>a.raw</name><capacity unit='M'>4</capacity><allocation>0</allocation></volume>" > "{P}/create"
            echo "<volume><name>b.qcow2</name><capacity unit='M'>16</capacity><target><format type='qcow2'/></target></volume>" > "{P}/create"
            echo "<volume><name>c.qcow2</name><capacity unit='M'>16</capacity><target><format type='qcow2'/></target><backingStore><path>$S/pools/{p}/b.qcow2</path><format type='qcow2'/></backingStore></volume>" > "{P}/create"
            echo "<volume><name>d</name><capacity>0</capacity><target><format type='dir'/></target></volume>" > "{P}/create"
            echo inside > "$S/pools/{p}/d/f"
            # qemu-img's own default (version 3, compat 1.1, lazy refcounts), made on the host.
            qemu-img create -q -f qcow2 -o lazy_refcounts=on "$S/pools/{p}/e.qcow2" 8M
            # Times no read can move (relatime leaves an atime newer than mtime and ctime and
            # under a day old), so both daemons see the same ones.
            later=$(date -d '+1 hour' '+%Y-%m-%d %H:%M:%S.%N')
            for v in {string.Join(' ', volumes)}; do
              touch -m -d '2020-02-03 04:05:06.123456789' "$S/pools/{p}/$v"
              touch -a -d "$later" "$S/pools/{p}/$v"
            done
            ls "{P}/volumes" >/dev/null # a listing re-reads the pool: e.qcow2 is known
            """);

        var ours = volumes.ToDictionary(v => v, v => _tree.Ok($"cat \"{P}/vol/{v}/xml\""));
        var r = Libvirt($"""
            $V pool-create-as {p}-lv dir --target "$S/pools/{p}" >/dev/null
            {string.Join("\n", volumes.Select(v => $"echo '=== {v}'; $V vol-dumpxml --pool {p}-lv {v}"))}
            """);
        Assert.True(r.Succeeded, r.ToString());
        var theirs = r.Stdout.Split("=== ", StringSplitOptions.RemoveEmptyEntries)
            .Select(part => part.Split('\n', 2))
            .ToDictionary(part => part[0], part => part[1]);

        foreach (string v in volumes)
            Assert.Equal(theirs[v], ours[v]);
    }

    [LibvirtdFact]
    public void Capabilities_PoolOptions_AreLibvirts_ForEveryTypeSupportedHere()
    {
        var ours = XDocument.Parse(_tree.Ok("cat \"$M/capabilities\""));
        var r = Libvirt("$V pool-capabilities");
        Assert.True(r.Succeeded, r.ToString());
        var theirs = XDocument.Parse(r.Stdout);

        int compared = 0;
        foreach (var pool in ours.Root!.Elements("pool").Where(e => (string?)e.Attribute("supported") == "yes"))
        {
            string type = (string)pool.Attribute("type")!;
            var mine = pool.Element("poolOptions");
            var libvirt = theirs.Root!.Elements("pool").Single(e => (string?)e.Attribute("type") == type).Element("poolOptions");
            Assert.Equal(libvirt is null, mine is null);
            if (mine is null)
                continue;
            mine = new XElement(mine);
            mine.DescendantNodes().OfType<XComment>().ToList().ForEach(c => c.Remove());
            // btrfs is StorageFs's own addition to the fs formats (docs/BACKENDS.md).
            if (type == "fs")
                mine.Descendants("value").Single(v => v.Value == "btrfs").Remove();
            Assert.Equal(libvirt!.ToString(), mine.ToString());
            compared++;
        }
        Assert.True(compared >= 3, $"only {compared} pool types with poolOptions compared");
    }

    [Fact]
    public void Capabilities_NamesTheAllowedDirectories_AndFsPoolOptions()
    {
        string text = _tree.Ok("cat \"$M/capabilities\"");
        Assert.Contains($"<!-- pool and fspool targets must lie in: /var/lib/storagefs, /srv, {_tree.StateDir}; never in or over: {_tree.StateDir}/config, {_tree.StateDir}/secrets -->",
            text, StringComparison.Ordinal);
        var fs = XDocument.Parse(text).Root!.Elements("pool").Single(e => (string?)e.Attribute("type") == "fs");
        var options = fs.Element("poolOptions")!;
        Assert.Equal("auto", (string?)options.Element("defaultFormat")!.Attribute("type"));
        Assert.Contains("btrfs", options.Descendants("value").Select(v => v.Value));
        Assert.Equal("source: <device path='…'/>", options.Nodes().OfType<XComment>().Single().Value.Trim());
    }

    [Fact]
    public void StoppedPool_Xml_KeepsTheSizesOfItsLastRefresh()
    {
        string p = _tree.NewRunningPool("lk");
        string running = _tree.Ok($"grep -E '<(capacity|allocation|available)' \"$M/pools/{p}/xml\"");
        Assert.DoesNotContain(">0</capacity>", running, StringComparison.Ordinal);

        _tree.Ok($"echo stop > \"$M/pools/{p}/ctl\"");

        Assert.Equal("inactive\n", _tree.Ok($"cat \"$M/pools/{p}/state\""));
        Assert.Equal(running, _tree.Ok($"grep -E '<(capacity|allocation|available)' \"$M/pools/{p}/xml\""));
    }

    /// <summary>Skips naming what is missing when libvirtd cannot run here (see <see cref="Libvirtd.Missing"/>).</summary>
    private sealed class LibvirtdFactAttribute : FactAttribute
    {
        public LibvirtdFactAttribute()
        {
            if (Libvirtd.Missing is { } missing)
                Skip = missing;
        }
    }
}
