namespace StorageFs.IntegrationTests.Tree;

/// <summary>
/// The rows of docs/TREE.md that no other suite covers, success and each errno: transient pools,
/// by-uuid misses, job info and ctl, the fresh read of control files, attribution of unfinished
/// documents, volume and item creation errors, and the exact virsh layouts.
/// </summary>
public sealed class TreeRowTests(TreeFixture fixture) : IClassFixture<TreeFixture>
{
    private readonly TreeMount _tree = fixture.Mount;

    [Fact]
    public void Create_MakesATransientRunningPool_WhoseAutostartIsEOPNOTSUPP_AndADuplicateIsEEXIST()
    {
        string n = _tree.NewName("tr");
        string reply = _tree.Ok($"""
            exec 3<>"$M/create"
            echo "{_tree.PoolXml(n)}" >&3
            cat <&3
            """);

        Assert.StartsWith($"ok created pool {n} ", reply, StringComparison.Ordinal);
        var info = InfoFile.Parse(_tree.Ok($"cat \"$M/pools/{n}/info\""));
        Assert.Equal(("running", "no"), (info["State"], info["Persistent"]));
        _tree.Fails($"echo yes > \"$M/pools/{n}/autostart\"", "write error: Operation not supported");
        _tree.AssertLastError($"pools/{n}/autostart", "EOPNOTSUPP");
        _tree.Fails($"echo \"{_tree.PoolXml(n)}\" > \"$M/create\"", "write error: File exists");
        _tree.AssertLastError("create", "EEXIST");
    }

    [Fact]
    public void InodeNumbers_OfAVolumeAndItsControlFiles_StayTheSame_WhenTheKernelForgetsAndLooksThemUpAgain()
    {
        string pool = _tree.NewRunningPool("ino");
        string P = $"$M/pools/{pool}";
        // drop_caches 2 evicts the unused dentries and inodes: the kernel sends FORGET for each,
        // and the next stat looks each node up again (the engine gives a node its id back). The
        // rows of vol/V/ are the engine's slots of it (INodeSlots): the first drop, with the
        // shell inside vol/V/, forgets the rows while their directory stays known; the second
        // forgets the directory too.
        string seen = _tree.Ok($$"""
            truncate -s 1M "{{P}}/volumes/i.raw"
            set -- "{{P}}/volumes/i.raw" "{{P}}/vol/i.raw" "{{P}}/vol/i.raw/info" "{{P}}/vol/i.raw/data"
            rows() { stat -c %i "{{P}}/vol/i.raw/"{info,xml,path,key,ctl,data} | tr '\n' ' '; }
            before="$(stat -c %i "$@") $(ls -i "{{P}}/vol/i.raw" | tr -s ' \n' ' ') $(rows)"
            echo "rows $(rows | tr ' ' '\n' | sort -u | grep -c .)"
            cd "{{P}}/vol/i.raw"
            echo 2 > /proc/sys/vm/drop_caches
            mid="$(stat -c %i "$@") $(ls -i "{{P}}/vol/i.raw" | tr -s ' \n' ' ') $(rows)"
            cd /
            echo 2 > /proc/sys/vm/drop_caches
            after="$(stat -c %i "$@") $(ls -i "{{P}}/vol/i.raw" | tr -s ' \n' ' ') $(rows)"
            [ "$before" = "$mid" ] && [ "$before" = "$after" ] && echo same || echo "differ: $before / $mid / $after"
            head -c 5 "{{P}}/vol/i.raw/info"; echo
            readlink "{{P}}/vol/i.raw/data"
            """);

        Assert.Equal($"rows 6\nsame\nName:\n../../volumes/i.raw\n", seen);
    }

    [Fact]
    public void ByUuid_OfAnUnknownUuid_IsENOENT()
    {
        _tree.Fails("readlink \"$M/by-uuid/00000000-0000-4000-8000-000000000000\" || ls \"$M/by-uuid/00000000-0000-4000-8000-000000000000\"",
            "No such file or directory");
    }

    [Fact]
    public void JobInfo_NamesTheRequesterAndArguments_AndJobCtlRefusesOtherWordsWithEINVAL()
    {
        string pool = _tree.NewRunningPool("job");
        string P = $"$M/pools/{pool}";
        string seen = _tree.Ok($$"""
            truncate -s 64M "{{P}}/volumes/j.raw"
            exec 3<>"{{P}}/vol/j.raw/ctl"
            echo 'wipe zero nowait' >&3
            reply=$(cat <&3)
            echo "$reply"
            echo "writer=$$"
            id=${reply#ok job }
            cat "$M/jobs/$id/wait"
            cat "$M/jobs/$id/info"
            { echo frobnicate > "$M/jobs/$id/ctl"; } 2>&1 || echo "ctl-failed"
            """);

        string[] lines = seen.Split('\n');
        Assert.StartsWith("ok job ", lines[0], StringComparison.Ordinal);
        string id = lines[0]["ok job ".Length..];
        string writer = lines[1]["writer=".Length..];
        Assert.Equal("done", lines[2]);
        var info = InfoFile.Parse(string.Join('\n', lines[3..^3]));
        Assert.Equal(["Id", "Operation", "Arguments", "Object", "State", "Done", "Total", "Percent", "Rate", "Started", "Finished", "Uid", "Pid", "Error"], info.Keys);
        Assert.Equal((id, "VolumeWipe", "zero", $"{pool}/j.raw", "done"), (info["Id"], info["Operation"], info["Arguments"], info["Object"], info["State"]));
        Assert.Equal(("0", writer, "-"), (info["Uid"], info["Pid"], info["Error"]));
        Assert.Contains("write error: Invalid argument", seen, StringComparison.Ordinal);
        _tree.AssertLastError($"jobs/{id}/ctl", "EINVAL");
    }

    [Fact]
    public void AFreshReadOfAControlFile_GivesItsCommandsOneALine_AndOfADocumentFileNothing()
    {
        string pool = _tree.NewRunningPool("fresh");
        _tree.Ok($"echo x > \"$M/pools/{pool}/volumes/v.raw\" && mkdir \"$M/fspools/default/items/fresh-{pool}\"");

        Assert.Equal("start\nstop\nbuild [overwrite|no-overwrite] [nowait]\nrefresh\nundefine NAME\ndelete NAME\n",
            _tree.Ok($"cat \"$M/pools/{pool}/ctl\""));
        Assert.Equal("start\nstop\nbuild [overwrite|no-overwrite] [nowait]\nrefresh\nundefine NAME\ndelete NAME\n",
            _tree.Ok($"exec 3<>\"$M/pools/{pool}/ctl\"; cat <&3"));
        Assert.StartsWith("wipe [zero|", _tree.Ok($"cat \"$M/pools/{pool}/vol/v.raw/ctl\""), StringComparison.Ordinal);
        Assert.Equal("start\nstop\nbuild [nowait]\nrefresh\nundefine NAME\ndelete NAME\n", _tree.Ok("cat \"$M/fspools/default/ctl\""));
        Assert.Equal("delete NAME [nowait]\n", _tree.Ok($"cat \"$M/fspools/default/item/fresh-{pool}/ctl\""));
        Assert.Equal("", _tree.Ok($"cat \"$M/define\" \"$M/create\" \"$M/pools/{pool}/create\" \"$M/fspools/default/create\""));
        Assert.Equal("", _tree.Ok("exec 3<>\"$M/define\"; cat <&3"));
        Assert.Equal("600 600 600\n", _tree.Ok($"stat -c %a \"$M/define\" \"$M/pools/{pool}/ctl\" \"$M/pools/{pool}/create\" | paste -sd' '"));
        _tree.Ok($"rmdir \"$M/fspools/default/items/fresh-{pool}\"");
    }

    [Fact]
    public void AnUnfinishedDocument_IsRecordedInErrors_UnderItsWritersPid()
    {
        string n = _tree.NewName("unf");
        string pid = _tree.Ok($"""
            exec 3>"$M/define"
            echo "<pool type='dir'><name>{n}</name>" >&3
            exec 3>&-
            echo $$
            """).Trim();

        string line = "";
        for (int i = 0; i < 50 && !line.Contains("unfinished", StringComparison.Ordinal); i++)
        {
            Thread.Sleep(100);
            line = _tree.AssertLastError("define", "EINVAL");
        }
        Assert.Contains($" uid=0 pid={pid} op=write path=define errno=EINVAL msg=EINVAL: unfinished document", line, StringComparison.Ordinal);
        _tree.Ok($"test ! -e \"$M/pools/{n}\"");
    }

    [Fact]
    public void VolumeCreate_RefusesADuplicateWithEEXIST_BadXmlWithEINVAL_AndAnImpossibleAllocationWithENOSPC()
    {
        string pool = _tree.NewRunningPool("vc");
        string P = $"$M/pools/{pool}";
        _tree.Ok($"echo \"<volume><name>a.raw</name><capacity>1024</capacity></volume>\" > \"{P}/create\"");

        _tree.Fails($"echo \"<volume><name>a.raw</name><capacity>1024</capacity></volume>\" > \"{P}/create\"", "write error: File exists");
        _tree.AssertLastError($"pools/{pool}/create", "EEXIST");
        _tree.Fails($"echo \"<volume><name>b.raw</name><capacity>lots</capacity></volume>\" > \"{P}/create\"", "write error: Invalid argument");
        _tree.AssertLastError($"pools/{pool}/create", "EINVAL");
        _tree.Fails($"echo \"<volume><name>c.raw</name><capacity unit='T'>10</capacity><allocation unit='T'>10</allocation></volume>\" > \"{P}/create\"",
            "write error: No space left on device");
        _tree.AssertLastError($"pools/{pool}/create", "ENOSPC");
        Assert.Equal("a.raw\n", _tree.Ok($"ls \"{P}/volumes\""));
    }

    [Fact]
    public void VolumeCreate_InAFormatThePoolCannotMake_IsEOPNOTSUPP_AndMakesNothing()
    {
        string pool = _tree.NewRunningPool("fmt");

        _tree.Fails($"echo \"<volume><name>x.dmg</name><capacity unit='M'>1</capacity><target><format type='dmg'/></target></volume>\" > \"$M/pools/{pool}/create\"",
            "write error: Operation not supported");

        Assert.Contains("cannot create volumes of format 'dmg'", _tree.AssertLastError($"pools/{pool}/create", "EOPNOTSUPP"), StringComparison.Ordinal);
        Assert.Equal("", _tree.Ok($"ls \"$M/pools/{pool}/volumes\""));
    }

    [Fact]
    public void ACtlCommandThePoolTypeLacks_IsEOPNOTSUPP()
    {
        string n = _tree.NewName("isc");
        _tree.Ok($"echo \"<pool type='iscsi'><name>{n}</name><source><host name='127.0.0.1'/><device path='iqn.2004-04.com.example:{n}'/></source><target><path>/dev/disk/by-path</path></target></pool>\" > \"$M/define\"");

        _tree.Fails($"echo 'delete {n}' > \"$M/pools/{n}/ctl\"", "write error: Operation not supported");

        Assert.Contains("does not support pool deletion", _tree.AssertLastError($"pools/{n}/ctl", "EOPNOTSUPP"), StringComparison.Ordinal);
        _tree.Ok($"echo 'undefine {n}' > \"$M/pools/{n}/ctl\" && test ! -e \"$M/pools/{n}\"");
    }

    [Fact]
    public void AVolumeUsedByAJob_RefusesDeleteAndAnotherWipeWithEBUSY()
    {
        string pool = _tree.NewRunningPool("busy");
        string P = $"$M/pools/{pool}";
        string id = _tree.Ok($$"""
            truncate -s 2G "{{P}}/volumes/b.raw"
            exec 3<>"{{P}}/vol/b.raw/ctl"
            echo 'wipe dod nowait' >&3
            reply=$(cat <&3)
            echo "${reply#ok job }"
            """).Trim();
        try
        {
            _tree.Fails($"rm \"{P}/volumes/b.raw\"", "Device or resource busy");
            _tree.AssertLastError($"pools/{pool}/volumes/b.raw", "EBUSY", op: "unlink");
            _tree.Fails($"echo 'wipe zero' > \"{P}/vol/b.raw/ctl\"", "write error: Device or resource busy");
            _tree.AssertLastError($"pools/{pool}/vol/b.raw/ctl", "EBUSY");
        }
        finally
        {
            _tree.Sh($"echo cancel > \"$M/jobs/{id}/ctl\"; cat \"$M/jobs/{id}/wait\"");
        }
        _tree.Ok($"rm \"{P}/volumes/b.raw\"");
    }

    [Fact]
    public void ItemCreate_MakesAnItem_ADuplicateIsEEXIST_AndBadXmlIsEINVAL()
    {
        string f = _tree.NewName("ic");
        string F = $"$M/fspools/{f}";
        _tree.Ok($"""
            echo '<fspool type="dir"><name>{f}</name><target><path>'"$S/pools/{f}"'</path></target></fspool>' > "$M/define"
            echo build > "{F}/ctl" && echo start > "{F}/ctl"
            echo '<fsitem><name>i1</name></fsitem>' > "{F}/create"
            test -d "$S/pools/{f}/i1" && test -d "{F}/items/i1"
            """);

        _tree.Fails($"echo '<fsitem><name>i1</name></fsitem>' > \"{F}/create\"", "write error: File exists");
        _tree.AssertLastError($"fspools/{f}/create", "EEXIST");
        _tree.Fails($"echo '<fsitem><name>i2</name>' > \"{F}/create\"; echo '<fsitem>' '</nope>' > \"{F}/create\"", "write error: Invalid argument");
        _tree.AssertLastError($"fspools/{f}/create", "EINVAL");
        Assert.Equal("i1\n", _tree.Ok($"ls \"{F}/items\""));
        var info = InfoFile.Parse(_tree.Ok($"cat \"{F}/info\""));
        Assert.Equal((f, "running"), (info["Name"], info["State"]));
        Assert.Equal("running\nno\n", _tree.Ok($"cat \"{F}/state\" \"{F}/autostart\""));
        Assert.Contains($"<name>{f}</name>", _tree.Ok($"cat \"{F}/xml\""), StringComparison.Ordinal);
    }

    /// <summary>vol-info and item-info --bytes say "N bytes"; pool-info --bytes prints bare integers.</summary>
    [Fact]
    public void VolInfoAndItemInfo_PrintSizesWithTheWordBytes_AsVirshDoes_AndPoolInfoBareIntegers()
    {
        string pool = _tree.NewRunningPool("vi");
        _tree.Ok($"printf 123456 > \"$M/pools/{pool}/volumes/v.raw\" && mkdir \"$M/fspools/default/items/vi-{pool}\"");

        string vol = _tree.Ok($"cat \"$M/pools/{pool}/vol/v.raw/info\"");
        string item = _tree.Ok($"cat \"$M/fspools/default/item/vi-{pool}/info\"");
        string poolInfo = _tree.Ok($"cat \"$M/pools/{pool}/info\"");

        // virsh's four lines, then StorageFs's Filesystem:, Mounted:, Backing: and Snapshot of: (docs/TREE.md).
        Assert.Matches(@"^Name:           v\.raw\nType:           file\nCapacity:       6 bytes\nAllocation:     [0-9]+ bytes\n" +
            @"Filesystem:     unknown\nMounted:        no\nBacking:        none\nSnapshot of:    -\n\n$", vol);
        // virsh's four lines, then StorageFs's Quota: line (docs/TREE.md).
        Assert.Matches($@"^Name:           vi-{pool}\nType:           dir\nCapacity:       [0-9]+ bytes\nAllocation:     [0-9]+ bytes\nQuota:          not enforced: no capacity was given when the item was made\n\n$", item);
        Assert.Matches(@"\nCapacity:       [0-9]+\nAllocation:     [0-9]+\nAvailable:      [0-9]+\n\n$", poolInfo);
        _tree.Ok($"rmdir \"$M/fspools/default/items/vi-{pool}\"");
    }
}
