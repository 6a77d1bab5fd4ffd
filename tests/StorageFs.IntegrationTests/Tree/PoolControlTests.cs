namespace StorageFs.IntegrationTests.Tree;

/// <summary>
/// <c>pools/NAME/ctl</c> and <c>autostart</c>: the pool's state machine driven by one command a
/// write, destructive commands repeating the name, and each refusal's errno (docs/TREE.md
/// "pools/NAME/").
/// </summary>
public sealed class PoolControlTests(TreeFixture fixture) : IClassFixture<TreeFixture>
{
    private readonly TreeMount _tree = fixture.Mount;

    [Fact]
    public void StopThenStart_MovesTheStateBothWays_AndTheVolumesComeBack()
    {
        string p = _tree.NewRunningPool("stop");
        _tree.Ok($"echo kept > \"$M/pools/{p}/volumes/v\"");

        _tree.Ok($"echo stop > \"$M/pools/{p}/ctl\"");

        Assert.Equal("inactive\n", _tree.Ok($"cat \"$M/pools/{p}/state\""));
        var stopped = InfoFile.Parse(_tree.Ok($"cat \"$M/pools/{p}/info\""));
        Assert.Equal("inactive", stopped["State"]);
        Assert.DoesNotContain("Capacity", stopped.Keys);
        Assert.Equal("", _tree.Ok($"ls \"$M/pools/{p}/volumes\""));

        _tree.Ok($"echo start > \"$M/pools/{p}/ctl\"");

        Assert.Equal("running\n", _tree.Ok($"cat \"$M/pools/{p}/state\""));
        Assert.Equal("v\n", _tree.Ok($"ls \"$M/pools/{p}/volumes\""));
        Assert.Equal("kept\n", _tree.Ok($"cat \"$M/pools/{p}/volumes/v\""));
    }

    [Fact]
    public void CommandsInTheWrongState_FailWithEBUSY_AndChangeNothing()
    {
        string p = _tree.NewRunningPool("busy");
        string ctl = $"pools/{p}/ctl";

        foreach (string command in new[] { "start", "build", $"undefine {p}", $"delete {p}" })
        {
            _tree.Fails($"echo '{command}' > \"$M/{ctl}\"", "write error: Device or resource busy");
            _tree.AssertLastError(ctl, "EBUSY");
            Assert.Equal("running\n", _tree.Ok($"cat \"$M/pools/{p}/state\""));
        }

        _tree.Ok($"echo stop > \"$M/{ctl}\"");
        _tree.Fails($"echo stop > \"$M/{ctl}\"", "write error: Device or resource busy");
        _tree.AssertLastError(ctl, "EBUSY");
        _tree.Fails($"echo x > \"$M/pools/{p}/volumes/new\"", "Device or resource busy");
        Assert.Equal("inactive\n", _tree.Ok($"cat \"$M/pools/{p}/state\""));
    }

    /// <summary>A volume held open keeps the pool busy: that is a state, EBUSY, not an I/O error.</summary>
    [Fact]
    public void StopWhileAVolumeIsOpen_FailsWithEBUSY()
    {
        string p = _tree.NewRunningPool("held");
        _tree.Ok($"echo data > \"$M/pools/{p}/volumes/v\"");

        _tree.Fails($"""
            exec 4< "$M/pools/{p}/volumes/v"
            echo stop > "$M/pools/{p}/ctl"
            """, "write error: Device or resource busy");

        _tree.AssertLastError($"pools/{p}/ctl", "EBUSY");
        Assert.Equal("running\n", _tree.Ok($"cat \"$M/pools/{p}/state\""));
    }

    [Fact]
    public void DeleteAndUndefine_NeedThePoolsNameRepeated()
    {
        string p = _tree.NewRunningPool("del");
        string ctl = $"pools/{p}/ctl";
        _tree.Ok($"echo stop > \"$M/{ctl}\"");

        foreach (string command in new[] { "delete", $"delete {p}x", "undefine", $"undefine other" })
        {
            _tree.Fails($"echo '{command}' > \"$M/{ctl}\"", "write error: Invalid argument");
            _tree.AssertLastError(ctl, "EINVAL");
        }
        _tree.Ok($"test -d \"$S/pools/{p}\" && test -e \"$M/pools/{p}\"");

        _tree.Ok($"echo 'delete {p}' > \"$M/{ctl}\"");
        _tree.Ok($"test ! -e \"$S/pools/{p}\"");
        Assert.Equal("inactive\n", _tree.Ok($"cat \"$M/pools/{p}/state\""));

        _tree.Ok($"echo 'undefine {p}' > \"$M/{ctl}\"");
        _tree.Ok($"test ! -e \"$M/pools/{p}\" && test ! -e \"$S/config/pools/{p}.xml\"");
        Assert.DoesNotContain(p + "\n", _tree.Ok("ls \"$M/pools\""), StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownCommandsAndSeveralLines_FailWithEINVAL()
    {
        string p = _tree.NewRunningPool("cmd");
        string ctl = $"pools/{p}/ctl";

        _tree.Fails($"echo launch > \"$M/{ctl}\"", "write error: Invalid argument");
        Assert.Contains("unknown command 'launch'", _tree.AssertLastError(ctl, "EINVAL"), StringComparison.Ordinal);
        // coreutils printf writes both lines at once; bash's builtin would write (and run) them one by one.
        _tree.Fails($"/usr/bin/printf 'stop\\nstart\\n' > \"$M/{ctl}\"", "write error: Invalid argument");
        _tree.AssertLastError(ctl, "EINVAL");
        _tree.Fails($"echo 'start now' > \"$M/{ctl}\"", "write error: Invalid argument");

        Assert.Equal("running\n", _tree.Ok($"cat \"$M/pools/{p}/state\""));
    }

    [Fact]
    public void Autostart_TakesYesOrNo_AndRefusesOtherWordsWithEINVAL()
    {
        string p = _tree.NewRunningPool("auto");
        Assert.Equal("no\n", _tree.Ok($"cat \"$M/pools/{p}/autostart\""));

        _tree.Ok($"echo yes > \"$M/pools/{p}/autostart\"");
        Assert.Equal("yes\n", _tree.Ok($"cat \"$M/pools/{p}/autostart\""));
        Assert.Equal("yes", InfoFile.Parse(_tree.Ok($"cat \"$M/pools/{p}/info\""))["Autostart"]);

        _tree.Fails($"echo maybe > \"$M/pools/{p}/autostart\"", "write error: Invalid argument");
        _tree.AssertLastError($"pools/{p}/autostart", "EINVAL");
        Assert.Equal("yes\n", _tree.Ok($"cat \"$M/pools/{p}/autostart\""));

        _tree.Ok($"echo no > \"$M/pools/{p}/autostart\"");
        Assert.Equal("no\n", _tree.Ok($"cat \"$M/pools/{p}/autostart\""));
    }
}
