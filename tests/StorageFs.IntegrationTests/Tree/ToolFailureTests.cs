namespace StorageFs.IntegrationTests.Tree;

/// <summary>
/// A tool that fails (qemu-img, parted, lvcreate, mkfs…) is reported in one sentence naming
/// the tool and its exit status; what the tool wrote goes to the daemon's log with its command
/// line, never into the user's message (docs/ARCHITECTURE.md, "External tools").
/// </summary>
public sealed class ToolFailureTests : IClassFixture<TreeFixture>
{
    private readonly TreeMount _tree;

    public ToolFailureTests(TreeFixture fixture)
    {
        _tree = fixture.Mount;
    }

    [Fact]
    public void AFailingTool_IsOneSentenceInErrors_AndItsOutputGoesToTheLog()
    {
        string pool = _tree.NewRunningPool("tool");
        // qemu-img itself refuses a qcow2 image this large (libvirt's argv gives the size in KiB,
        // rounded up past 2^63 - 1): "Invalid image size specified. Must be between 0 and …",
        // exit status 1.
        var r = _tree.Sh($$"""
            echo "<volume><name>huge.qcow2</name><capacity unit='bytes'>9223372036854775807</capacity><allocation>0</allocation><target><format type='qcow2'/></target></volume>" > "$M/pools/{{pool}}/create"
            """);
        Assert.False(r.Succeeded, _tree.Describe(r));
        Assert.Contains("Input/output error", r.Stderr, StringComparison.Ordinal);

        string line = _tree.AssertLastError($"pools/{pool}/create", "EIO");
        Assert.Contains("qemu-img create failed (exit status 1); details in the log", line, StringComparison.Ordinal);
        Assert.DoesNotContain("Invalid image size specified", line, StringComparison.Ordinal);
        Assert.DoesNotContain("qemu-img:", line, StringComparison.Ordinal);

        // The daemon's stderr reaches the fixture through a pipe: give it a moment.
        string log = _tree.Daemon.Log;
        for (int i = 0; i < 50 && !log.Contains("Invalid image size specified", StringComparison.Ordinal); i++)
        {
            Thread.Sleep(100);
            log = _tree.Daemon.Log;
        }
        Assert.True(log.Contains("Invalid image size specified", StringComparison.Ordinal), log);
        Assert.Contains("exited with status 1", log, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_tree.MountPoint, "pools", pool, "volumes", "huge.qcow2")), "the failed volume is gone");
    }
}
