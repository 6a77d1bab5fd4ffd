using StorageFs.IntegrationTests.Tree;

namespace StorageFs.IntegrationTests.Faults;

/// <summary>
/// Through the tree: each input define used to accept (or mangle) is refused
/// at define with a clear message and nothing defined; a pool whose target vanished can be
/// stopped.
/// </summary>
public sealed class DefineRefusalTests : IDisposable
{
    private readonly TreeMount _tree = TreeMount.Start();

    public void Dispose() => _tree.Dispose();

    [Theory]
    [InlineData("dotdot", "printf '%s' \"<pool type='dir'><name>NAME</name><target><path>$S/nx/../link-out/sub</path></target></pool>\"", "EINVAL", "'..' follows 'nx', which does not exist")]
    [InlineData("newline", "printf \"<pool type='dir'><name>NAME</name><target><path>$S/a\\nb</path></target></pool>\"", "EINVAL", "must not contain control characters")]
    [InlineData("utf8", "printf \"<pool type='dir'><name>NAME\\xff\\xfe</name><target><path>$S/u</path></target></pool>\"", "EINVAL", "document is not valid UTF-8")]
    [InlineData("config", "printf '%s' \"<pool type='dir'><name>NAME</name><target><path>$S/config/pools</path></target></pool>\"", "EPERM", "where StorageFs keeps its own state")]
    public void Define_RefusesWithAClearError_AndDefinesNothing(string prefix, string printf, string errno, string message)
    {
        string name = _tree.NewName(prefix);
        _tree.Ok($"""
            ln -s /etc "$S/link-out"
            ! {printf.Replace("NAME", name, StringComparison.Ordinal)} > "$M/define"
            test ! -e "$M/pools/{name}"
            """);
        string line = _tree.AssertLastError("define", errno);
        Assert.Contains(message, line, StringComparison.Ordinal);
    }

    [Fact]
    public void PoolNames_Have251Bytes_AndALongerOneIsRefusedSayingWhy()
    {
        string ok = new('a', 251), tooLong = new('b', 252);
        _tree.Ok($"""
            echo "<pool type='dir'><name>{ok}</name><target><path>$S/p251</path></target></pool>" > "$M/define"
            test -d "$M/pools/{ok}"
            ! echo "<pool type='dir'><name>{tooLong}</name><target><path>$S/p252</path></target></pool>" > "$M/define"
            """);
        Assert.Contains("over the 251-byte limit (its definition is stored as NAME.xml)", _tree.AssertLastError("define", "EINVAL"), StringComparison.Ordinal);
    }

    [Fact]
    public void APoolWhoseTargetVanished_IsInaccessibleAfterARestart_AndCanBeStopped()
    {
        string pool = _tree.NewRunningPool("vanished");
        _tree.Ok($"rm -rf \"$S/pools/{pool}\"");
        _tree.Restart();

        Assert.Equal("inaccessible\n", _tree.Ok($"cat \"$M/pools/{pool}/state\""));
        _tree.Ok($"echo stop > \"$M/pools/{pool}/ctl\"");
        Assert.Equal("inactive\n", _tree.Ok($"cat \"$M/pools/{pool}/state\""));

        _tree.Restart(); // stopped means stopped: no start is retried
        Assert.Equal("inactive\n", _tree.Ok($"cat \"$M/pools/{pool}/state\""));
    }
}
