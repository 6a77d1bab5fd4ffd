namespace StorageFs.IntegrationTests.Tree;

/// <summary>
/// SIGTERM and a new daemon on the same state directory ("a restart of the daemon keeps
/// every definition and autostarts"). Each test has its own daemon.
/// </summary>
public sealed class RestartTests
{
    [Fact]
    public void ARestart_KeepsEveryDefinitionItsStateAndAutostart_AndTransientPoolsAreGone()
    {
        using var tree = TreeMount.Start();
        tree.Ok($"""
            echo "{tree.PoolXml("run")}" > "$M/define"
            echo build > "$M/pools/run/ctl"; echo start > "$M/pools/run/ctl"; echo yes > "$M/pools/run/autostart"
            echo data > "$M/pools/run/volumes/v.raw"
            echo "{tree.PoolXml("stopped")}" > "$M/define"
            echo build > "$M/pools/stopped/ctl"; echo start > "$M/pools/stopped/ctl"; echo stop > "$M/pools/stopped/ctl"
            echo yes > "$M/pools/stopped/autostart"
            echo "{tree.PoolXml("defined")}" > "$M/define"
            echo '<fspool type="dir"><name>files</name><target><path>'"$S/pools/files"'</path></target></fspool>' > "$M/define"
            echo build > "$M/fspools/files/ctl"; echo start > "$M/fspools/files/ctl"
            mkdir "$M/fspools/files/items/it" && echo x > "$M/fspools/files/items/it/f"
            mkdir -p "$S/pools/transient"
            echo "{tree.PoolXml("transient")}" > "$M/create"
            test "$(cat "$M/pools/transient/state")" = running
            """);
        string before = Snapshot(tree);

        tree.Restart();

        Assert.Equal(before.Replace("transient running no\n", "", StringComparison.Ordinal), Snapshot(tree));
        Assert.Contains("stopped inactive yes\n", before, StringComparison.Ordinal);
        Assert.Equal("data\n", tree.Ok("cat \"$M/pools/run/volumes/v.raw\""));
        Assert.Equal("x\n", tree.Ok("cat \"$M/fspools/files/items/it/f\""));
        tree.Ok("test ! -e \"$M/pools/transient\"");
    }

    /// <summary>Autostart runs once per boot (libvirt): a new runtime directory is a new boot, and the stopped autostart pool starts.</summary>
    [Fact]
    public void ARestartAfterAReboot_StartsTheAutostartPools_ButNotTheOthers()
    {
        using var tree = TreeMount.Start();
        tree.Ok($"""
            for p in auto manual; do
              echo "$(printf "%s" "{tree.PoolXml("@")}" | sed "s/@/$p/g")" > "$M/define"
              echo build > "$M/pools/$p/ctl"
            done
            echo yes > "$M/pools/auto/autostart"
            """);
        // The daemon keeps a marker file "autostarted" below its runtime directory once it has run
        // this boot's autostart; removing the runtime directory is what a reboot does to /run.
        string[] markers = Directory.GetFiles(tree.RuntimeDir, "autostarted", SearchOption.AllDirectories);
        Assert.True(markers.Length == 1, $"the first daemon should have taken this boot's autostart turn (markers: {string.Join(", ", markers)})");
        tree.Restart();
        Assert.Equal("inactive\ninactive\n", tree.Ok("cat \"$M/pools/auto/state\" \"$M/pools/manual/state\""));

        Directory.Delete(tree.RuntimeDir, recursive: true);
        tree.Restart();

        Assert.Equal("running\ninactive\n", tree.Ok("cat \"$M/pools/auto/state\" \"$M/pools/manual/state\""));
    }

    /// <summary>Every pool and fspool as "NAME STATE AUTOSTART", one a line.</summary>
    private static string Snapshot(TreeMount tree) => tree.Ok("""
        for kind in pools fspools; do
          for d in "$M/$kind"/*/; do
            echo "$(basename "$d") $(cat "$d/state") $(cat "$d/autostart")"
          done
        done
        """);
}
