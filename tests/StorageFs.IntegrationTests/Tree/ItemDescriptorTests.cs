namespace StorageFs.IntegrationTests.Tree;

/// <summary>
/// An item holds more files than the daemon has descriptors for its nodes: every item node the
/// kernel remembers holds an O_PATH descriptor, and the kernel remembers them until memory runs
/// short. With its table limited to 1,500 descriptors the nodes' share is 622; before the daemon
/// asked the kernel to drop old names (RealReclaim), making the 623rd file failed with ENFILE
/// (on this machine's hard limit of 20,000, `tar -xf` of 20,000 files did).
/// </summary>
public sealed class ItemDescriptorTests
{
    [Fact]
    public void AnItemOfMoreFilesThanTheNodesShareOfDescriptors_TakesThemAll_AndListsThemAll()
    {
        using var tree = TreeMount.StartWrapped(["prlimit", "--nofile=1500:1500"]);
        // A daemon allowed to raise its hard limit would not be limited here: say so, not pass.
        Assert.Contains("Descriptor limit (RLIMIT_NOFILE): soft 1500, raised to 1500", tree.Daemon.Log, StringComparison.Ordinal);
        tree.Ok("""
            I="$M/fspools/default/items/many"
            mkdir "$I"
            for d in $(seq 0 14); do
              mkdir "$I/d$d" || exit 1
              for f in $(seq 0 99); do echo "$f" > "$I/d$d/f$f" || exit 1; done
            done
            test "$(find "$I" -type f | wc -l)" = 1500
            test "$(cat "$I/d0/f7" "$I/d14/f99")" = "$(printf '7\n99')"
            rm -rf "$I"
            test ! -e "$I"
            """);
        Assert.Contains("asked the kernel to drop", tree.Daemon.Log, StringComparison.Ordinal);
        Assert.DoesNotContain("ENFILE", tree.Daemon.Log, StringComparison.Ordinal);
    }
}
