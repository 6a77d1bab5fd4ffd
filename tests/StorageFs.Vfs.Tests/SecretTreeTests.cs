using System.Text;
using StorageFs.Backends;
using StorageFs.Core.Driver;
using StorageFs.Core.Model;
using StorageFs.Core.Names;
using StorageFs.Core.Persistence;
using StorageFs.Core.Secrets;
using StorageFs.Fuse;
using StorageFs.Fuse.Nodes;
using StorageFs.Interop;
using StorageFs.Vfs.Tree;

namespace StorageFs.Vfs.Tests;

/// <summary>
/// <c>secrets/</c> as a table, without a mount: the daemon's own checks, which a real mount's
/// kernel check on the modes hides (another uid reading a definition, anyone reading a value),
/// and the value file's input rules.
/// </summary>
public sealed class SecretTreeTests : IDisposable
{
    private const string U = "f52a81b2-424e-490c-823d-6bd4235bc572";
    private const int ORdonly = 0, OWronly = 1, ORdwr = 2;
    private static readonly RequestContext Root = RequestContext.Detached(0);
    private static readonly RequestContext Nobody = RequestContext.Detached(65534);
    private readonly string _dir = Directory.CreateTempSubdirectory("storagefs-secrets-").FullName;
    private readonly SecretDriver _secrets;
    private readonly StorageTree _tree;

    public SecretTreeTests()
    {
        var log = Serilog.Core.Logger.None;
        _secrets = new SecretDriver(Path.Combine(_dir, "secrets"), log);
        var driver = new StorageDriver(BackendRegistry.Create(log, secrets: _secrets),
            new DefinitionStore(Path.Combine(_dir, "config"), log),
            new StorageDriverOptions { Policy = new TargetPathPolicy([_dir]), RuntimeDirectory = Path.Combine(_dir, "run") }, log);
        driver.Load();
        _tree = new StorageTree(driver, log, _secrets);
        Assert.Equal(Errno.Ok, Write("secrets/define", $"<secret private='yes'><uuid>{U}</uuid><usage type='ceph'><name>c</name></usage></secret>").Errno);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Secrets_ListsDefineAndEachUuid_WithItsFourFiles()
    {
        Assert.Contains("secrets", List(""));
        Assert.Equal(["define", U], List("secrets"));
        Assert.Equal(["info", "xml", "value", "ctl"], List($"secrets/{U}"));
        Assert.Null(Walk("secrets/F52A81B2-424E-490C-823D-6BD4235BC572"));
        Assert.Null(Walk("secrets/00000000-0000-0000-0000-000000000000"));
    }

    [Theory]
    [InlineData("xml")]
    [InlineData("info")]
    public void ADefinition_IsRefusedToAnotherUid_ByTheDaemonItself(string file)
    {
        var node = Assert.IsAssignableFrom<INodeOpen>(Walk($"secrets/{U}/{file}"));

        Assert.Equal(Errno.EACCES, node.Open(Nobody, ORdonly, out _));
        Assert.Equal(Errno.Ok, node.Open(Root, ORdonly, out var handle));
        handle!.Release();
        Assert.Contains("only root may read a secret's definition", _tree.Errors.Render(0), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ORdonly)]
    [InlineData(ORdwr)]
    public void AValue_CannotBeOpenedForReading_ByRootEither(int flags)
    {
        var node = Assert.IsAssignableFrom<INodeOpen>(Walk($"secrets/{U}/value"));

        Assert.Equal(Errno.EACCES, node.Open(Root, flags, out var handle));
        Assert.Null(handle);
        Assert.Contains("write-only", _tree.Errors.Render(0), StringComparison.Ordinal);
    }

    [Fact]
    public void AValue_InWrappedBase64_IsStoredAsItsBytes()
    {
        var value = Enumerable.Range(0, 200).Select(i => (byte)i).ToArray();
        string wrapped = string.Join('\n', Convert.ToBase64String(value).Chunk(76).Select(c => new string(c))) + "\n";

        var (errno, reply) = Write($"secrets/{U}/value", wrapped);

        Assert.Equal((Errno.Ok, $"ok value set for secret {U}\n"), (errno, reply));
        Assert.Equal(value, _secrets.GetValue(SecretLookup.ByUsage("c"), SecretUsageType.Ceph));
    }

    [Fact]
    public void AValueNotInBase64_IsEINVAL_ItsTextRecordedNowhere_AndTheOldValueKept()
    {
        Write($"secrets/{U}/value", "b2xk");

        var (errno, reply) = Write($"secrets/{U}/value", "hunter2-is-not-base64");

        Assert.Equal(Errno.EINVAL, errno);
        Assert.StartsWith("EINVAL: ", reply, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", reply + _tree.Errors.Render(0), StringComparison.Ordinal);
        Assert.Equal("old"u8.ToArray(), _secrets.GetValue(SecretLookup.ByUuid(Guid.Parse(U)), SecretUsageType.Ceph));
    }

    [Fact]
    public void Undefine_NeedsTheUuidRepeated()
    {
        Assert.Equal(Errno.EINVAL, Write($"secrets/{U}/ctl", "undefine").Errno);
        Assert.Equal(Errno.EINVAL, Write($"secrets/{U}/ctl", "undefine 00000000-0000-0000-0000-000000000000").Errno);
        Assert.Equal(Errno.EINVAL, Write($"secrets/{U}/ctl", "delete " + U).Errno);
        Assert.NotNull(_secrets.Find(Guid.Parse(U)));

        Assert.Equal((Errno.Ok, $"ok undefined secret {U}\n"), Write($"secrets/{U}/ctl", "undefine " + U));
        Assert.Null(_secrets.Find(Guid.Parse(U)));
        Assert.Null(Walk($"secrets/{U}"));
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

    private (Errno Errno, string Reply) Write(string path, string input)
    {
        var file = Assert.IsAssignableFrom<INodeOpen>(Walk(path));
        Assert.Equal(Errno.Ok, file.Open(Root, OWronly, out var handle));
        var errno = handle!.Write(Root, 0, Encoding.UTF8.GetBytes(input), out _);
        var buf = new byte[4096];
        string reply = handle.Read(Root, 0, buf, out int n) == Errno.Ok ? Encoding.UTF8.GetString(buf, 0, n) : "";
        handle.Release();
        return (errno, reply);
    }
}
