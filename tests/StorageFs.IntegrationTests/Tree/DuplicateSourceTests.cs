namespace StorageFs.IntegrationTests.Tree;

/// <summary>
/// Duplicate sources beyond libvirt's rules: two logical pools over one
/// volume group however they name it (the VG's UUID), two netfs or gluster pools naming one
/// server by two names (localhost, 127.0.0.1, the host's own name: resolved to addresses). The
/// second define fails with EEXIST naming the pool that holds the source, recorded in errors,
/// and defines nothing.
/// </summary>
public sealed class DuplicateSourceTests(TreeFixture fixture) : IClassFixture<TreeFixture>
{
    private readonly TreeMount _tree = fixture.Mount;

    [Fact]
    public void NetFs_OneServerByTwoNames_IsRefusedWithEEXIST_NamingThePoolThatHoldsIt()
    {
        string a = _tree.NewName("nfa");
        Define(NetFs(a, "localhost", "/export/d"));
        foreach (string host in new[] { "127.0.0.1", "$(hostname)", "LOCALHOST" })
        {
            string b = _tree.NewName("nfb");
            Refused(NetFs(b, host, "/export//d/"), b, a);
        }
        // Another export of the same server is another source.
        Define(NetFs(_tree.NewName("nfc"), "127.0.0.1", "/export/other"));
    }

    [Fact]
    public void Gluster_OneServerByTwoNames_IsRefusedWithEEXIST_NamingThePoolThatHoldsIt()
    {
        string a = _tree.NewName("gla");
        Define(Gluster(a, "127.0.0.1", "gv0"));
        string b = _tree.NewName("glb");
        Refused(Gluster(b, "$(hostname)", "gv0"), b, a);
        Define(Gluster(_tree.NewName("glc"), "localhost", "gv1"));
    }

    [Fact]
    public void Logical_TwoPoolsOverOneVolumeGroup_AreRefused_ByNameAndByUuid()
    {
        Preflight.RequireTool("pvcreate", "lvm2");
        Preflight.RequireTool("losetup", "mount");
        string vg = "sfsdup" + Guid.NewGuid().ToString("N")[..8];
        string image = Path.Combine(_tree.WorkDir, vg + ".img");
        // Metadata only where the kernel has no device-mapper (LVM's --driverloaded n).
        string lvm = File.Exists("/dev/mapper/control") ? "" : "--driverloaded n";
        string loop = _tree.Ok($"""
            truncate -s 64M "{image}"
            loop=$(losetup --find --show "{image}")
            pvcreate {lvm} -q "$loop" >/dev/null
            vgcreate {lvm} -q {vg} "$loop" >/dev/null
            echo "$loop"
            """).Trim();
        try
        {
            string a = _tree.NewName("lva");
            Define($"<pool type='logical'><name>{a}</name><source><name>{vg}</name><format type='lvm2'/></source><target><path>/dev/{vg}</path></target></pool>");
            // The same VG by name, as libvirt's default (the pool's own name) …
            Refused($"<pool type='logical'><name>{vg}</name><source><format type='lvm2'/></source><target><path>/dev/{vg}</path></target></pool>", vg, a);
            // … and by a device of it under another VG name: the same VG UUID.
            string c = _tree.NewName("lvc");
            Refused($"<pool type='logical'><name>{c}</name><source><device path='{loop}'/><name>renamed</name><format type='lvm2'/></source><target><path>/dev/renamed</path></target></pool>", c, a);
            _tree.Ok($"echo 'undefine {a}' > \"$M/pools/{a}/ctl\"");
        }
        finally
        {
            _tree.Sh($"vgremove {lvm} -f {vg}; pvremove {lvm} -f '{loop}'; losetup -d '{loop}'; rm -f '{image}'");
        }
    }

    private static string NetFs(string name, string host, string dir) =>
        $"<pool type='netfs'><name>{name}</name><source><host name='{host}'/><dir path='{dir}'/><format type='nfs'/></source>" +
        $"<target><path>$S/pools/{name}</path></target></pool>";

    private static string Gluster(string name, string host, string volume) =>
        $"<pool type='gluster'><name>{name}</name><source><host name='{host}'/><dir path='/vms'/><name>{volume}</name></source></pool>";

    private void Define(string xml) => _tree.Ok($"echo \"{xml}\" > \"$M/define\"");

    private void Refused(string xml, string name, string holder)
    {
        _tree.Fails($"echo \"{xml}\" > \"$M/define\"", "File exists");
        string line = _tree.AssertLastError("define", "EEXIST");
        Assert.Contains($"source conflict with pool: '{holder}'", line, StringComparison.Ordinal);
        _tree.Ok($"test ! -e \"$M/pools/{name}\"");
    }
}
