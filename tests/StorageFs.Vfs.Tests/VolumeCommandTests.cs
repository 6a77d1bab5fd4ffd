using System.Text;
using StorageFs.Core;
using StorageFs.Core.Backend;
using StorageFs.Core.Driver;
using StorageFs.Core.Model;
using StorageFs.Core.Names;
using StorageFs.Core.Persistence;
using StorageFs.Fuse;
using StorageFs.Fuse.Nodes;
using StorageFs.Vfs.Tree;
using StorageFs.Interop;

namespace StorageFs.Vfs.Tests;

/// <summary>
/// Commands written to the ctl of an existing volume, in a running pool whose backend can only
/// refresh: inputs found by tests/StorageFs.Fuzz's ctl target, kept as regular tests.
/// </summary>
public sealed class VolumeCommandTests : IDisposable
{
    private static readonly RequestContext Root = RequestContext.Detached(0);
    private readonly string _dir = Directory.CreateTempSubdirectory("storagefs-vfs-").FullName;
    private readonly StorageTree _tree;

    public VolumeCommandTests()
    {
        var log = Serilog.Core.Logger.None;
        var driver = new StorageDriver(new BackendTable([new RefreshOnlyBackend()], []),
            new DefinitionStore(Path.Combine(_dir, "config"), log),
            new StorageDriverOptions { Policy = new TargetPathPolicy([_dir]), RuntimeDirectory = Path.Combine(_dir, "run") }, log);
        driver.Load();
        string target = Directory.CreateDirectory(Path.Combine(_dir, "p")).FullName;
        driver.CreatePool($"<pool type='dir'><name>p</name><target><path>{target}</path></target></pool>");
        _tree = new StorageTree(driver, log);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // XElement.ToString threw ArgumentException for a character XML cannot hold: it escaped the
    // write (EIO) instead of being refused.
    [Theory]
    [InlineData("clone \u0001")]
    [InlineData("clone a\u001Fb")]
    [InlineData("clone a\uFFFEb")]
    [InlineData("clone c\u0002\0nowait")] // as afl-fuzz found them (run-fuzz, 10 s)
    [InlineData("clone copy\vqcy.tcnowait")]
    public void Clone_ToANameXmlCannotHold_IsEINVAL_AndSaysWhy(string command)
    {
        var (errno, reply) = Write("ctl", command);
        Assert.Equal(Errno.EINVAL, errno);
        Assert.Contains("cannot be a volume name", reply);
        Assert.Contains("op=write path=pools/p/vol/v/ctl errno=EINVAL", _tree.Errors.Render(0));
    }

    [Fact]
    public void Clone_ToAPlainName_GetsAsFarAsTheBackend()
    {
        Assert.Equal(Errno.EOPNOTSUPP, Write("ctl", "clone copy").Errno);
    }

    private (Errno Errno, string Reply) Write(string leaf, string command)
    {
        Assert.Equal(Errno.Ok, _tree.VolumeControl("p", "v").Lookup(Root, leaf, out var node));
        var file = Assert.IsAssignableFrom<TextNode>(node);
        Assert.Equal(Errno.Ok, file.Open(Root, 1, out var handle));
        var errno = handle!.Write(Root, 0, Encoding.UTF8.GetBytes(command), out _);
        var buf = new byte[4096];
        Assert.Equal(Errno.Ok, handle.Read(Root, 0, buf, out int n));
        handle.Release();
        return (errno, Encoding.UTF8.GetString(buf, 0, n));
    }

    /// <summary>A dir backend that can only refresh, listing one volume "v".</summary>
    private sealed class RefreshOnlyBackend : IPoolBackend
    {
        public PoolBackendCapabilities Capabilities { get; } =
            new(PoolType.Dir, PoolOperations.Refresh, [], null, [], PoolBuildFlags.None, [], TargetIsDirectory: true);

        public PoolRefreshResult Refresh(PoolDefinition pool, CancellationToken cancellation)
        {
            var v = new VolumeDefinition { Name = "v", Key = "k", Capacity = 4096, Allocation = 4096 };
            v.Target.Path = Path.Combine(pool.Target.Path ?? "/", "v");
            return new PoolRefreshResult(new PoolSizes(1 << 20, 4096, (1 << 20) - 4096), [v], null, []);
        }
    }
}
