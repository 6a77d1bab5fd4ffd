using System.Text;
using StorageFs.Backends;
using StorageFs.Core.Driver;
using StorageFs.Core.Model;
using StorageFs.Core.Names;
using StorageFs.Core.Persistence;
using StorageFs.Fuse;
using StorageFs.Fuse.Abi;
using StorageFs.Fuse.Nodes;
using StorageFs.Interop;
using StorageFs.Vfs.Real;
using StorageFs.Vfs.Tree;

namespace StorageFs.Vfs.Tests;

/// <summary>
/// The tree's tables as a unit: a <see cref="StorageTree"/> over a real driver with the
/// production registry (dir pools and fspools on temp directories), walked through its nodes
/// as the engine would walk them, with no FUSE mount. A tree change is checked in seconds here;
/// tests/StorageFs.IntegrationTests keeps the real-mount checks.
/// </summary>
public sealed class TreeTableTests : IDisposable
{
    private static readonly RequestContext Root = RequestContext.Detached(0);
    private readonly string _dir = Directory.CreateTempSubdirectory("storagefs-tree-").FullName;
    private readonly StorageTree _tree;

    public TreeTableTests()
    {
        var log = Serilog.Core.Logger.None;
        var driver = new StorageDriver(BackendRegistry.Create(log),
            new DefinitionStore(Path.Combine(_dir, "config"), log),
            new StorageDriverOptions { Policy = new TargetPathPolicy([_dir]), RuntimeDirectory = Path.Combine(_dir, "run") }, log);
        driver.Load();
        _tree = new StorageTree(driver, log);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Root_ListsItsRows_AndTheyResolve()
    {
        var names = List("");
        Assert.Subset(names.ToHashSet(), new HashSet<string> { "pools", "fspools", "define", "create", "capabilities", "errors", "events", "jobs" });
        Assert.All(names, n => Assert.NotNull(Walk(n)));
        Assert.Null(Walk("no-such-row"));
    }

    [Fact]
    public void Create_OfADirPool_BuildsItsMissingTarget_AndShowsItsRows()
    {
        string target = Path.Combine(_dir, "made-on-create");

        var (errno, reply) = Write("create", $"<pool type='dir'><name>p</name><target><path>{target}</path></target></pool>");

        Assert.Equal(Errno.Ok, errno);
        Assert.StartsWith("ok created pool p ", reply, StringComparison.Ordinal);
        Assert.True(Directory.Exists(target), "a dir pool's build is a mkdir, so create builds it");
        Assert.Equal(["p"], List("pools"));
        Assert.Subset(List("pools/p").ToHashSet(), new HashSet<string> { "info", "xml", "state", "ctl", "volumes", "vol" });
        Assert.Equal("running\n", Read("pools/p/state"));
    }

    [Fact]
    public void Define_TellsAPoolFromAnFsPool_ByTheDocumentAlone()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "a"));
        Directory.CreateDirectory(Path.Combine(_dir, "b"));

        Assert.Equal(Errno.Ok, Write("define", $"<pool type='dir'><name>a</name><target><path>{_dir}/a</path></target></pool>").Errno);
        Assert.Equal(Errno.Ok, Write("define", $"<fspool type='dir'><name>b</name><target><path>{_dir}/b</path></target></fspool>").Errno);

        Assert.Equal(["a"], List("pools"));
        Assert.Equal(["b"], List("fspools"));
        Assert.Equal("inactive\n", Read("pools/a/state"));
    }

    [Fact]
    public void Define_OfAnotherDocument_IsEINVAL_AndDefinesNothing()
    {
        var (errno, reply) = Write("define", "<volume><name>v</name></volume>");

        Assert.Equal(Errno.EINVAL, errno);
        Assert.Contains("expected a <pool> or <fspool> document, got <volume>", reply, StringComparison.Ordinal);
        Assert.Empty(List("pools"));
        Assert.Contains("errno=EINVAL", _tree.Errors.Render(0), StringComparison.Ordinal);
    }

    [Fact]
    public void PoolXml_NamingAnotherPool_IsRefused_AndChangesNothing()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "p"));
        Write("define", $"<pool type='dir'><name>p</name><target><path>{_dir}/p</path></target></pool>");

        var (errno, _) = Write("pools/p/xml", $"<pool type='dir'><name>q</name><target><path>{_dir}/p</path></target></pool>");

        Assert.Equal(Errno.EINVAL, errno);
        Assert.Equal(["p"], List("pools"));
    }

    [Fact]
    public void Volumes_OfADirPool_FollowTheHostDirectory()
    {
        string target = Path.Combine(_dir, "t");
        Write("create", $"<pool type='dir'><name>p</name><target><path>{target}</path></target></pool>");
        Assert.Empty(List("pools/p/volumes"));

        File.WriteAllBytes(Path.Combine(target, "disk.img"), new byte[4096]);

        Assert.Equal(["disk.img"], List("pools/p/volumes"));
        Assert.Equal(["disk.img"], List("pools/p/vol"));
        Assert.Contains("Capacity:", Read("pools/p/vol/disk.img/info"), StringComparison.Ordinal);
    }

    [Fact]
    public void VolumeControlDirectory_HasItsRows_ReadsPathAndKeyInFull_AndRecordsRefusalsUnderItsPath()
    {
        // vol/V/ shares one array of names between volumes and asks its subject for its path;
        // a file volume keeps its path and key as the pool's directory and its name.
        string target = Path.Combine(_dir, "t");
        Write("create", $"<pool type='dir'><name>p</name><target><path>{target}</path></target></pool>");
        File.WriteAllBytes(Path.Combine(target, "a.img"), new byte[4096]);
        File.WriteAllBytes(Path.Combine(target, "b.img"), new byte[4096]);
        Assert.Equal(["a.img", "b.img"], List("pools/p/volumes").Order(StringComparer.Ordinal));

        Assert.Equal(["info", "xml", "path", "key", "ctl", "data"], List("pools/p/vol/a.img"));
        Assert.Equal(["info", "xml", "path", "key", "ctl", "data"], List("pools/p/vol/b.img"));
        Assert.Equal(Path.Combine(target, "b.img") + "\n", Read("pools/p/vol/b.img/path"));
        Assert.Equal(Path.Combine(target, "a.img") + "\n", Read("pools/p/vol/a.img/key"));
        Assert.Contains($"<path>{Path.Combine(target, "a.img")}</path>", Read("pools/p/vol/a.img/xml"), StringComparison.Ordinal);
        Assert.Null(Walk("pools/p/vol/a.img/nothing"));

        var dir = Assert.IsAssignableFrom<INodeMkdir>(Walk("pools/p/vol/b.img"));
        Assert.Equal(Errno.EPERM, dir.Mkdir(Root, "x", 0x1ed, out _));
        Assert.Contains("pools/p/vol/b.img/ has a fixed layout", Read("errors"), StringComparison.Ordinal);
    }

    [Fact]
    public void Capabilities_ListEveryRegisteredType()
    {
        string caps = Read("capabilities");
        foreach (var c in BackendRegistry.Create().PoolCapabilities)
            Assert.Contains($"<pool type='{c.Type.ToXml()}'", caps, StringComparison.Ordinal);
    }

    private Node? Walk(string path)
    {
        Node node = _tree.Root;
        foreach (var part in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (node is not INodeLookup dir || dir.Lookup(Root, part, out var next) != Errno.Ok || next is null)
                return null;
            node = next;
        }
        return node;
    }

    private List<string> List(string path)
    {
        var dir = Assert.IsAssignableFrom<INodeReadDir>(Walk(path));
        var entries = new List<DirEntry>();
        Assert.Equal(Errno.Ok, dir.ReadDir(Root, entries));
        return [.. entries.Select(e => e.Name).Where(n => n is not ("." or ".."))];
    }

    [Fact]
    public void VolumesListedWithAttributes_HaveThePoolsDirectoryReadAhead_AtMostOnceInAWhile_WhenLarge()
    {
        var volumes = DirPool("ra", 600);
        RealStatahead.Start();
        long warmed = RealStatahead.Warmed, names = RealStatahead.Names;
        var listing = RequestContext.Detached(0).Next(1, Opcode.Readdirplus);

        Assert.Equal(Errno.Ok, volumes.Lookup(listing, "v000.raw", out _)); // not listed yet: its size is unknown
        Assert.Equal(Errno.Ok, volumes.Lookup(Root, "v000.raw", out _)); // a lookup outside a listing
        Thread.Sleep(200);
        Assert.True(RealStatahead.Names - names < 600, "read ahead before a listing of 600 volumes");

        var entries = new List<DirEntry>();
        Assert.Equal(Errno.Ok, Assert.IsAssignableFrom<INodeReadDir>(volumes).ReadDir(Root, entries));
        Assert.Equal(600, entries.Count);
        Assert.Equal(Errno.Ok, volumes.Lookup(listing, "v001.raw", out _));
        var until = DateTime.UtcNow.AddSeconds(30);
        while (RealStatahead.Names - names < 600 && DateTime.UtcNow < until)
            Thread.Sleep(10);
        Assert.True(RealStatahead.Names - names >= 600, "a listing with attributes did not read the pool's names ahead");
        Assert.True(RealStatahead.Warmed > warmed);

        long after = RealStatahead.Names;
        Assert.Equal(Errno.Ok, volumes.Lookup(listing, "v002.raw", out _)); // the next entry of the same listing
        Thread.Sleep(200);
        Assert.True(RealStatahead.Names - after < 600, "read ahead again within seconds");
    }

    [Fact]
    public void VolumesListNamesOnly_UntilReadersLookVolumesUpOneByOne_ThenWithAttributes()
    {
        var volumes = DirPool("na", 10);
        var node = Assert.IsAssignableFrom<Node>(volumes);
        Assert.Equal(ListedAttributes.NamesOnly, node.ListsAttributes);

        var lookup = RequestContext.Detached(0).Next(1, Opcode.Lookup);
        for (int i = 0; i < VolumeReaders.LookupsToSet - 1; i++)
            Assert.Equal(Errno.Ok, volumes.Lookup(lookup, $"v{i:D3}.raw", out _));
        Assert.Equal(ListedAttributes.NamesOnly, node.ListsAttributes);
        Assert.Equal(Errno.Ok, volumes.Lookup(lookup, "v009.raw", out _)); // ls -l of the first pool
        Assert.Equal(ListedAttributes.All, node.ListsAttributes);
    }

    [Fact]
    public void WhileReadersStat_ListingAPool_ReadsAheadThePoolsAfterIt_InOrdinalOrder()
    {
        var q1 = DirPool("q1", 10);
        DirPool("q2", 50);
        DirPool("q0", 20); // sorts before q1
        RealStatahead.Start();
        var entries = new List<DirEntry>();

        long names = RealStatahead.Names;
        Assert.Equal(Errno.Ok, Assert.IsAssignableFrom<INodeReadDir>(q1).ReadDir(Root, entries)); // names-only readers: nothing
        Thread.Sleep(200);
        Assert.True(RealStatahead.Names - names < 50, "read ahead for a names-only reader");

        var lookup = RequestContext.Detached(0).Next(1, Opcode.Lookup);
        for (int i = 0; i < VolumeReaders.LookupsToSet; i++)
            Assert.Equal(Errno.Ok, q1.Lookup(lookup, $"v{i:D3}.raw", out _)); // ls -l
        names = RealStatahead.Names;
        Assert.Equal(Errno.Ok, Assert.IsAssignableFrom<INodeReadDir>(q1).ReadDir(Root, entries));
        var until = DateTime.UtcNow.AddSeconds(30);
        while (RealStatahead.Names - names < 50 && DateTime.UtcNow < until)
            Thread.Sleep(10);
        Assert.True(RealStatahead.Names - names >= 50, "q2, the pool after q1, was not read ahead");
    }

    /// <summary>The pools' order is read again after 5 s and takes in a pool defined meanwhile
    /// (it is sorted again only when the pools changed).</summary>
    [Fact]
    public void WhileReadersStat_APoolDefinedLater_IsReadAheadInItsPlace_OnceTheOrderIsReadAgain()
    {
        var r1 = DirPool("r1", 10);
        DirPool("r3", 50);
        RealStatahead.Start();
        var entries = new List<DirEntry>();
        var lookup = RequestContext.Detached(0).Next(1, Opcode.Lookup);
        for (int i = 0; i < VolumeReaders.LookupsToSet; i++)
            Assert.Equal(Errno.Ok, r1.Lookup(lookup, $"v{i:D3}.raw", out _));
        long names = RealStatahead.Names;
        Assert.Equal(Errno.Ok, Assert.IsAssignableFrom<INodeReadDir>(r1).ReadDir(Root, entries));
        var until = DateTime.UtcNow.AddSeconds(30);
        while (RealStatahead.Names - names < 50 && DateTime.UtcNow < until)
            Thread.Sleep(10);
        Assert.True(RealStatahead.Names - names >= 50, "r3, the pool after r1, was not read ahead");

        DirPool("r2", 300); // between r1 and r3
        Thread.Sleep(5200); // past the 5 s in which the order and each pool's read-ahead stand
        for (int i = 0; i < VolumeReaders.LookupsToSet; i++)
            Assert.Equal(Errno.Ok, r1.Lookup(lookup, $"v{i:D3}.raw", out _)); // readers still stat
        names = RealStatahead.Names;
        Assert.Equal(Errno.Ok, Assert.IsAssignableFrom<INodeReadDir>(r1).ReadDir(Root, entries));
        until = DateTime.UtcNow.AddSeconds(30);
        while (RealStatahead.Names - names < 350 && DateTime.UtcNow < until)
            Thread.Sleep(10);
        Assert.True(RealStatahead.Names - names >= 350, $"r2 was not read ahead: {RealStatahead.Names - names} names");
    }

    /// <summary>A dir pool NAME made and started over a directory of <paramref name="volumes"/>
    /// empty files v000.raw, v001.raw, …; its volumes/ node.</summary>
    private INodeLookup DirPool(string name, int volumes)
    {
        string target = Path.Combine(_dir, name);
        Directory.CreateDirectory(target);
        for (int i = 0; i < volumes; i++)
            File.WriteAllBytes(Path.Combine(target, $"v{i:D3}.raw"), []);
        Assert.Equal(Errno.Ok, Write("create", $"<pool type='dir'><name>{name}</name><target><path>{target}</path></target></pool>").Errno);
        return Assert.IsAssignableFrom<INodeLookup>(Walk($"pools/{name}/volumes"));
    }

    private string Read(string path)
    {
        var file = Assert.IsAssignableFrom<INodeOpen>(Walk(path));
        Assert.Equal(Errno.Ok, file.Open(Root, 0, out var handle));
        var text = new StringBuilder();
        var buf = new byte[65536];
        long offset = 0;
        while (handle!.Read(Root, offset, buf, out int n) == Errno.Ok && n > 0)
        {
            text.Append(Encoding.UTF8.GetString(buf, 0, n));
            offset += n;
        }
        handle.Release();
        return text.ToString();
    }

    private (Errno Errno, string Reply) Write(string path, string input)
    {
        var file = Assert.IsAssignableFrom<INodeOpen>(Walk(path));
        Assert.Equal(Errno.Ok, file.Open(Root, 1, out var handle));
        var errno = handle!.Write(Root, 0, Encoding.UTF8.GetBytes(input), out _);
        var buf = new byte[4096];
        string reply = handle.Read(Root, 0, buf, out int n) == Errno.Ok ? Encoding.UTF8.GetString(buf, 0, n) : "";
        handle.Release();
        return (errno, reply);
    }
}
