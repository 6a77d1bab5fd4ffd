using StorageFs.Core.Names;

namespace StorageFs.Core.Tests.Names;

public sealed class TargetPathPolicyTests : IDisposable
{
    private readonly string _tmp;
    private readonly string _allowed;
    private readonly string _outside;
    private readonly TargetPathPolicy _policy;

    public TargetPathPolicyTests()
    {
        _tmp = TargetPathPolicy.Resolve(Directory.CreateTempSubdirectory("storagefs-policy-").FullName);
        _allowed = Path.Combine(_tmp, "allowed");
        _outside = Path.Combine(_tmp, "outside");
        Directory.CreateDirectory(Path.Combine(_allowed, "real"));
        Directory.CreateDirectory(_outside);
        Directory.CreateSymbolicLink(Path.Combine(_allowed, "evil"), _outside);
        Directory.CreateSymbolicLink(Path.Combine(_allowed, "relative-evil"), "../outside");
        Directory.CreateSymbolicLink(Path.Combine(_allowed, "good"), Path.Combine(_allowed, "real"));
        File.CreateSymbolicLink(Path.Combine(_allowed, "dangling"), Path.Combine(_tmp, "nowhere", "x"));
        File.CreateSymbolicLink(Path.Combine(_allowed, "loop1"), Path.Combine(_allowed, "loop2"));
        File.CreateSymbolicLink(Path.Combine(_allowed, "loop2"), Path.Combine(_allowed, "loop1"));
        Directory.CreateSymbolicLink(Path.Combine(_tmp, "allowed-link"), _allowed);
        _policy = new TargetPathPolicy([_allowed]);
    }

    public void Dispose() => Directory.Delete(_tmp, recursive: true);

    [Theory]
    [InlineData("real", "real")]
    [InlineData("new-pool", "new-pool")]
    [InlineData("new/deep/pool", "new/deep/pool")]
    [InlineData("./x", "x")]
    [InlineData("x/", "x")]
    [InlineData("//x//y//", "x/y")]
    [InlineData("good", "real")]
    [InlineData("good/sub", "real/sub")]
    [InlineData("real/../real/x", "real/x")]
    public void Check_PathsInside_AreAcceptedAndResolved(string relative, string expected)
    {
        Assert.Equal(Path.Combine(_allowed, expected), _policy.Check(_allowed + "/" + relative));
    }

    [Theory]
    [InlineData("real/a.zst", "real/a.zst")]
    [InlineData("new/a.zst", "new/a.zst")]
    [InlineData("//real//a.zst", "real/a.zst")]
    public void CheckLinkFree_TheFilesOwnPath_IsAccepted(string relative, string expected)
    {
        Assert.Equal(Path.Combine(_allowed, expected), _policy.CheckLinkFree(_allowed + "/" + relative));
    }

    [Fact]
    public void CheckLinkFree_TheAllowedDirectoryItself_MayBeReachedThroughALink()
    {
        Assert.Equal(Path.Combine(_allowed, "real", "a.zst"),
            new TargetPathPolicy([Path.Combine(_tmp, "allowed-link")]).CheckLinkFree(Path.Combine(_tmp, "allowed-link", "real", "a.zst")));
    }

    // A link below the allowed directory may be an untrusted user's: even one that stays inside
    // (good -> real) would steer root's archive or restore to another file.
    [Theory]
    [InlineData("good/a.zst", "symbolic link")]
    [InlineData("real/../real/a.zst", "'..'")]
    [InlineData("./real/a.zst", "'.'")]
    public void CheckLinkFree_ALinkOrDotsBelowTheAllowedDirectory_AreDenied(string relative, string named)
    {
        var e = Assert.Throws<StorageException>(() => _policy.CheckLinkFree(_allowed + "/" + relative));
        Assert.Equal(ErrorCode.OperationDenied, e.Code);
        Assert.Contains(named, e.Message);
    }

    [Theory]
    [InlineData("..")]
    [InlineData("../outside")]
    [InlineData("real/../../outside/p")]
    [InlineData("evil")]
    [InlineData("evil/pool")]
    [InlineData("relative-evil/pool")]
    [InlineData("dangling")]
    [InlineData("good/../../outside")]
    public void Check_PathsEscaping_AreDenied(string relative)
    {
        var e = Assert.Throws<StorageException>(() => _policy.Check(_allowed + "/" + relative));
        Assert.Equal(ErrorCode.OperationDenied, e.Code);
        Assert.Contains("outside the allowed directories", e.Message);
        Assert.Contains(_allowed, e.Message);
    }

    [Fact]
    public void Check_SymlinkOutside_SaysWhereItResolves()
    {
        var e = Assert.Throws<StorageException>(() => _policy.Check(_allowed + "/evil/pool"));
        Assert.Equal($"target path '{_allowed}/evil/pool' resolves to '{_outside}/pool', outside the allowed directories ({_allowed})", e.Message);
    }

    [Fact]
    public void Check_TheAllowedDirectoryItself_IsDenied()
    {
        var e = Assert.Throws<StorageException>(() => _policy.Check(_allowed + "/"));
        Assert.Equal(ErrorCode.OperationDenied, e.Code);
        Assert.Contains("itself", e.Message);
    }

    [Fact]
    public void Check_AllowedDirectoryGivenThroughASymlink_StillAdmitsItsChildren()
    {
        var policy = new TargetPathPolicy([Path.Combine(_tmp, "allowed-link")]);
        Assert.Equal(Path.Combine(_allowed, "p"), policy.Check(Path.Combine(_allowed, "p")));
        Assert.Equal(Path.Combine(_allowed, "p"), policy.Check(Path.Combine(_tmp, "allowed-link", "p")));
    }

    [Fact]
    public void Check_SymlinkLoop_IsRefused()
    {
        var e = Assert.Throws<StorageException>(() => _policy.Check(_allowed + "/loop1/x"));
        Assert.Equal(ErrorCode.InvalidArg, e.Code);
        Assert.Contains("too many levels of symbolic links", e.Message);
    }

    /// <summary>Where a ".." after a missing component leads depends on what
    /// that component becomes, so it cannot be checked at define (realpath fails there too).</summary>
    [Theory]
    [InlineData("nx/../evil/sub", "nx")]
    [InlineData("a/../b", "a")]
    [InlineData("real/nx/../../real/x", "nx")]
    [InlineData("x/../../outside", "x")]
    [InlineData("new/../../outside", "new")]
    public void Check_DotDotAfterAMissingComponent_IsInvalid(string relative, string missing)
    {
        var e = Assert.Throws<StorageException>(() => _policy.Check(_allowed + "/" + relative));
        Assert.Equal(ErrorCode.InvalidArg, e.Code);
        Assert.Contains($"'..' follows '{missing}', which does not exist", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/srv/a\nb", "/srv/a\\x0ab")]
    [InlineData("/srv/a\tb", "/srv/a\\x09b")]
    [InlineData("/srv/a\rb", "/srv/a\\x0db")]
    public void Check_ControlCharacters_AreInvalid_AndShownEscaped(string path, string shown)
    {
        var e = Assert.Throws<StorageException>(() => new TargetPathPolicy().Check(path));
        Assert.Equal(ErrorCode.InvalidArg, e.Code);
        Assert.Contains($"target path '{shown}' must not contain control characters", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("state/config", false)]
    [InlineData("state/config/pools", false)]
    [InlineData("state", false)]
    [InlineData("state/images", true)]
    [InlineData("state/configx", true)]
    public void Check_TheReservedDefinitionsDirectory_IsNeverATarget_NorInsideOrAroundOne(string relative, bool allowed)
    {
        var policy = new TargetPathPolicy([_allowed], [Path.Combine(_allowed, "state", "config")]);
        if (allowed)
        {
            policy.Check(_allowed + "/" + relative);
            return;
        }
        var e = Assert.Throws<StorageException>(() => policy.Check(_allowed + "/" + relative));
        Assert.Equal(ErrorCode.OperationDenied, e.Code);
        Assert.Contains("where StorageFs keeps its own state", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "invalid argument: target path must not be empty")]
    [InlineData("srv/pool", "invalid argument: target path 'srv/pool' is not absolute")]
    [InlineData("/srv/a\0b", "invalid argument: target path must not contain a NUL character")]
    public void Check_MalformedPaths_AreInvalid(string path, string message)
    {
        var e = Assert.Throws<StorageException>(() => new TargetPathPolicy().Check(path));
        Assert.Equal(message, e.Message);
    }

    [Theory]
    [InlineData("/srv/images", true)]
    [InlineData("/var/lib/storagefs/pools/a", true)]
    [InlineData("/srv/../srv/x", true)]
    [InlineData("/srv/../etc", false)]
    [InlineData("/etc/storagefs", false)]
    [InlineData("/var/lib/storagefs-other/x", false)]
    [InlineData("/srvx/p", false)]
    [InlineData("/", false)]
    public void DefaultPolicy_AllowsVarLibStoragefsAndSrv(string path, bool allowed)
    {
        var policy = new TargetPathPolicy();
        Assert.Equal(["/var/lib/storagefs", "/srv"], policy.AllowedDirectories);
        if (allowed)
        {
            policy.Check(path);
        }
        else
        {
            Assert.Throws<StorageException>(() => policy.Check(path));
        }
    }

    [Fact]
    public void Constructor_RelativeAllowedDirectory_IsAProgrammingError()
    {
        Assert.Throws<ArgumentException>(() => new TargetPathPolicy(["srv"]));
    }
}
