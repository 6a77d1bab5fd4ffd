namespace StorageFs.IntegrationTests.Tree;

/// <summary>
/// <c>define</c> and <c>pools/NAME/{info,state,xml}</c>: defining dir pools by writing XML with
/// bash, what the files then show, and every refusal with its errno, its message in
/// <c>errors</c>, and nothing left behind (docs/TREE.md "Root").
/// </summary>
public sealed class PoolDefinitionTests(TreeFixture fixture) : IClassFixture<TreeFixture>
{
    private static readonly string[] InfoKeys = ["Name", "UUID", "State", "Persistent", "Autostart", "Capacity", "Allocation", "Available"];

    private readonly TreeMount _tree = fixture.Mount;

    [Fact]
    public void EchoIntoDefine_ThenBuildAndStart_ShowsThePoolInVirshInfoLayoutAndState()
    {
        string n = _tree.NewName("def");
        _tree.Ok($"""echo "{_tree.PoolXml(n)}" > "$M/define" """);

        var defined = InfoFile.Parse(_tree.Ok($"cat \"$M/pools/{n}/info\""));
        Assert.Equal(InfoKeys[..5], defined.Keys);
        Assert.Equal(n, defined["Name"]);
        Assert.True(Guid.TryParse(defined["UUID"], out _), defined["UUID"]);
        Assert.Equal(("inactive", "yes", "no"), (defined["State"], defined["Persistent"], defined["Autostart"]));
        Assert.Equal("inactive\n", _tree.Ok($"cat \"$M/pools/{n}/state\""));
        Assert.True(File.Exists(Path.Combine(_tree.StateDir, "config", "pools", n + ".xml")), "no stored definition in $S/config/pools");

        _tree.Ok($"""
            echo build > "$M/pools/{n}/ctl"
            echo start > "$M/pools/{n}/ctl"
            """);

        var running = InfoFile.Parse(_tree.Ok($"cat \"$M/pools/{n}/info\""));
        Assert.Equal(InfoKeys, running.Keys);
        Assert.Equal((defined["UUID"], "running"), (running["UUID"], running["State"]));
        Assert.Equal("running\n", _tree.Ok($"cat \"$M/pools/{n}/state\""));
        // Capacity is the target filesystem's size (statvfs f_blocks × f_frsize), as virsh shows it.
        ulong fsSize = ulong.Parse(_tree.Ok($"echo $(( $(stat -f -c '%b * %S' \"$S/pools/{n}\") ))").Trim(), CultureInfo.InvariantCulture);
        Assert.Equal(fsSize, running.Number("Capacity"));
        Assert.True(running.Number("Allocation") + running.Number("Available") <= running.Number("Capacity"),
            $"Allocation + Available exceed Capacity:\n{string.Join('\n', running.Fields)}");
    }

    [Fact]
    public void Xml_IsTheDefinitionAsStorageFsXmlFormatsIt_ApartFromLiveSizes()
    {
        string n = _tree.NewRunningPool("xml");

        string xml = _tree.Ok($"cat \"$M/pools/{n}/xml\"");
        string formatted = _tree.Ok($"cat \"$M/pools/{n}/xml\" | $SFS xml -");

        Assert.Contains($"<name>{n}</name>", xml, StringComparison.Ordinal);
        Assert.Contains($"<path>{_tree.StateDir}/pools/{n}</path>", xml, StringComparison.Ordinal);
        string uuid = InfoFile.Parse(_tree.Ok($"cat \"$M/pools/{n}/info\""))["UUID"];
        Assert.Contains($"<uuid>{uuid}</uuid>", xml, StringComparison.Ordinal);
        // A parsed definition carries no sizes (libvirt formats them as 0); the live file has them.
        Assert.Equal(ZeroSizes(xml), formatted);
    }

    [Fact]
    public void WritingXml_RedefinesThePool_KeepingItsUuid_AndRefusesAnotherName()
    {
        string n = _tree.NewName("redef");
        _tree.Ok($"""echo "{_tree.PoolXml(n)}" > "$M/define" """);
        string uuid = InfoFile.Parse(_tree.Ok($"cat \"$M/pools/{n}/info\""))["UUID"];

        _tree.Ok($"""
            sed "s#<path>$S/pools/{n}</path>#<path>$S/pools/{n}-moved</path>#" "$M/pools/{n}/xml" > "$W/{n}.xml"
            grep -q "{n}-moved" "$W/{n}.xml"
            cat "$W/{n}.xml" > "$M/pools/{n}/xml"
            """);

        string xml = _tree.Ok($"cat \"$M/pools/{n}/xml\"");
        Assert.Contains($"<path>{_tree.StateDir}/pools/{n}-moved</path>", xml, StringComparison.Ordinal);
        Assert.Contains($"<uuid>{uuid}</uuid>", xml, StringComparison.Ordinal);
        Assert.Contains($"{n}-moved", File.ReadAllText(Path.Combine(_tree.StateDir, "config", "pools", n + ".xml")), StringComparison.Ordinal);

        string other = _tree.NewName("redef");
        _tree.Fails($"""echo "{_tree.PoolXml(other)}" > "$M/pools/{n}/xml" """, "Invalid argument");
        _tree.AssertLastError($"pools/{n}/xml", "EINVAL");
        _tree.Ok($"test ! -e \"$M/pools/{other}\" && test ! -e \"$S/config/pools/{other}.xml\"");
    }

    [Fact]
    public void MalformedXml_FailsWithEINVAL_DefinesNothing_AndSaysWhyInErrors()
    {
        string n = _tree.NewName("bad");
        string broken = _tree.PoolXml(n).Replace("</pool>", "</pol>", StringComparison.Ordinal);

        _tree.Fails($"""echo "{broken}" > "$M/define" """, "write error: Invalid argument");

        string line = _tree.AssertLastError("define", "EINVAL");
        Assert.Contains("XML error", line, StringComparison.Ordinal);
        AssertNothingDefined(n);
    }

    [Fact]
    public void UnknownPoolType_FailsWithEINVAL_NamingTheType()
    {
        string n = _tree.NewName("type");
        string doc = _tree.PoolXml(n).Replace("type='dir'", "type='floppy'", StringComparison.Ordinal);

        _tree.Fails($"""echo "{doc}" > "$M/define" """, "write error: Invalid argument");

        Assert.Contains("'floppy'", _tree.AssertLastError("define", "EINVAL"), StringComparison.Ordinal);
        AssertNothingDefined(n);
    }

    /// <summary>"type, format or host can't do it" is EOPNOTSUPP, not an I/O error.</summary>
    [Fact]
    public void KnownPoolTypeWithoutABackend_FailsWithEOPNOTSUPP()
    {
        // sheepdog: libvirt 9.0 itself has no backend for it (a type that might gain one here, zfs, would not do).
        string n = _tree.NewName("sheepdog");
        string doc = $"<pool type='sheepdog'><name>{n}</name><source><host name='localhost'/><name>{n}</name></source></pool>";

        _tree.Fails($"""echo "{doc}" > "$M/define" """, "write error: Operation not supported");

        _tree.AssertLastError("define", "EOPNOTSUPP");
        AssertNothingDefined(n);
    }

    [Fact]
    public void SameNameWithAnotherUuid_FailsWithEEXIST_AndKeepsTheFirstDefinition()
    {
        string n = _tree.NewName("dup");
        string first = _tree.PoolXml(n).Replace("<name>", "<uuid>0b8e2b39-52a3-4f4e-9a5c-000000000001</uuid><name>", StringComparison.Ordinal);
        string second = _tree.PoolXml(n, Path.Combine(_tree.StateDir, "pools", n + "-other"))
            .Replace("<name>", "<uuid>0b8e2b39-52a3-4f4e-9a5c-000000000002</uuid><name>", StringComparison.Ordinal);
        _tree.Ok($"""echo "{first}" > "$M/define" """);

        _tree.Fails($"""echo "{second}" > "$M/define" """, "write error: File exists");

        Assert.Contains("already exists", _tree.AssertLastError("define", "EEXIST"), StringComparison.Ordinal);
        string xml = _tree.Ok($"cat \"$M/pools/{n}/xml\"");
        Assert.Contains("0b8e2b39-52a3-4f4e-9a5c-000000000001", xml, StringComparison.Ordinal);
        Assert.DoesNotContain($"{n}-other", xml, StringComparison.Ordinal);
    }

    [Fact]
    public void SameUuidUnderAnotherName_FailsWithEEXIST()
    {
        string a = _tree.NewName("uuida"), b = _tree.NewName("uuidb");
        const string Uuid = "<uuid>5f0c7e33-6a0b-4f4e-8d0e-00000000000a</uuid>";
        string docA = _tree.PoolXml(a).Replace("<name>", Uuid + "<name>", StringComparison.Ordinal);
        string docB = _tree.PoolXml(b).Replace("<name>", Uuid + "<name>", StringComparison.Ordinal);
        _tree.Ok($"""echo "{docA}" > "$M/define" """);

        _tree.Fails($"""echo "{docB}" > "$M/define" """, "write error: File exists");

        _tree.AssertLastError("define", "EEXIST");
        AssertNothingDefined(b);
    }

    /// <summary>
    /// Two pools on one directory would each think they own its files. The second definition is
    /// refused however the directory is spelled: the same path, through a symlink to a parent,
    /// or with a "..".
    /// </summary>
    [Theory]
    [InlineData("same path")]
    [InlineData("symlink")]
    [InlineData("dot-dot")]
    public void ASecondPoolOnTheSameDirectory_FailsWithEEXIST(string spelling)
    {
        string first = _tree.NewRunningPool("src");
        string second = _tree.NewName("src");
        string dir = Path.Combine(_tree.StateDir, "pools", first);
        string target = spelling switch
        {
            "same path" => dir,
            "symlink" => Path.Combine(_tree.StateDir, "alias-" + second, first),
            // Through an existing directory: a ".." after a missing one is refused outright.
            _ => Path.Combine(_tree.StateDir, "pools", first, "..", first),
        };
        if (spelling == "symlink")
            _tree.Ok($"ln -s \"$S/pools\" \"$S/alias-{second}\"");

        _tree.Fails($"""echo "{_tree.PoolXml(second, target)}" > "$M/define" """, "write error: File exists");

        Assert.Contains($"'{first}'", _tree.AssertLastError("define", "EEXIST"), StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_tree.StateDir, "config", "pools", second + ".xml")), "the refused pool was stored");
        _tree.Ok($"test ! -e \"$M/pools/{second}\"");
    }

    [Fact]
    public void ATargetOutsideTheAllowedDirectories_FailsWithEPERM()
    {
        string n = _tree.NewName("etc");

        _tree.Fails($"""echo "{_tree.PoolXml(n, "/etc/storagefs-" + n)}" > "$M/define" """, "write error: Operation not permitted");

        Assert.Contains("outside the allowed directories", _tree.AssertLastError("define", "EPERM"), StringComparison.Ordinal);
        AssertNothingDefined(n);
        Assert.False(Directory.Exists("/etc/storagefs-" + n));
    }

    /// <summary>bash writes a document over 16 KiB in two write(2) calls: the daemon must join them.</summary>
    [Fact]
    public void ATwentyKiBDocumentFromBashEcho_DefinesThePool()
    {
        string n = _tree.NewName("big");
        string doc = _tree.PoolXml(n).Replace("<target>", "<!-- $pad --><target>", StringComparison.Ordinal);

        _tree.Ok($"""
            pad=$(head -c 20480 /dev/zero | tr '\0' x)
            doc="{doc}"
            test "$(printf %s "$doc" | wc -c)" -gt 20480
            echo "$doc" > "$M/define"
            """);

        Assert.Equal(n, InfoFile.Parse(_tree.Ok($"cat \"$M/pools/{n}/info\""))["Name"]);
    }

    [Theory]
    [InlineData("cat")]
    [InlineData("echo")]
    public void ADocumentOverOneMiB_FailsWithEFBIG_AndDefinesNothing(string writer)
    {
        string n = _tree.NewName("huge");
        string doc = _tree.PoolXml(n).Replace("<target>", "<!-- $pad --><target>", StringComparison.Ordinal);
        string write = writer == "cat" ? "cat \"$W/huge.xml\" > \"$M/define\"" : "echo \"$(cat \"$W/huge.xml\")\" > \"$M/define\"";

        _tree.Fails($"""
            pad=$(head -c 1100000 /dev/zero | tr '\0' x)
            echo "{doc}" > "$W/huge.xml"
            {write}
            """, "File too large");

        _tree.AssertLastError("define", "EFBIG");
        AssertNothingDefined(n);
    }

    /// <summary>docs/TREE.md "Read-back": the reply is read from the descriptor that wrote.</summary>
    [Fact]
    public void TheReply_ReadsBackOnTheDescriptorThatWrote()
    {
        string n = _tree.NewName("reply");
        _tree.Ok($"""echo "{_tree.PoolXml(n)}" > "$W/{n}.xml" """);

        string defined = _tree.Ok($"""
            exec 3<>"$M/define"
            cat "$W/{n}.xml" >&3
            cat <&3
            """);
        string uuid = InfoFile.Parse(_tree.Ok($"cat \"$M/pools/{n}/info\""))["UUID"];
        Assert.Equal($"ok defined pool {n} {uuid}\n", defined);

        string built = _tree.Ok($"""
            exec 3<>"$M/pools/{n}/ctl"
            echo build >&3
            cat <&3
            """);
        Assert.Equal($"ok built pool {n}\n", built);

        string refused = _tree.Ok($"""
            exec 3<>"$M/pools/{n}/ctl"
            echo frobnicate >&3 2>/dev/null && exit 1
            cat <&3
            """);
        Assert.StartsWith("EINVAL: unknown command 'frobnicate'", refused, StringComparison.Ordinal);
    }

    /// <summary>
    /// A document is buffered per open file until its root element closes, so a
    /// script may write it piece by piece through one descriptor (bash closes a duplicate of
    /// the descriptor after each <c>&gt;&amp;3</c>, which the kernel reports as FLUSH).
    /// </summary>
    [Fact]
    public void ADocumentWrittenLineByLineThroughOneDescriptor_DefinesThePool()
    {
        string n = _tree.NewName("lines");

        _tree.Ok($"""
            exec 3>"$M/define"
            echo "<pool type='dir'>" >&3
            echo "  <name>{n}</name>" >&3
            echo "  <target><path>$S/pools/{n}</path></target>" >&3
            echo "</pool>" >&3
            exec 3>&-
            """);

        Assert.Equal(n, InfoFile.Parse(_tree.Ok($"cat \"$M/pools/{n}/info\""))["Name"]);
    }

    [Fact]
    public void Capabilities_ListTheDirPoolAndFsPoolTypesAsSupported()
    {
        string caps = _tree.Ok("cat \"$M/capabilities\"");

        Assert.StartsWith("<storagepoolCapabilities>", caps, StringComparison.Ordinal);
        Assert.Contains("<pool type='dir' supported='yes'>", caps, StringComparison.Ordinal);
        Assert.Contains("<fspool type='dir' supported='yes'/>", caps, StringComparison.Ordinal);
        Assert.Contains("<value>qcow2</value>", caps, StringComparison.Ordinal);
    }

    [Fact]
    public void ByUuid_LinksToThePoolDirectory()
    {
        string n = _tree.NewRunningPool("uuid");
        string uuid = InfoFile.Parse(_tree.Ok($"cat \"$M/pools/{n}/info\""))["UUID"];

        string seen = _tree.Ok($"""
            ls "$M/by-uuid" | grep -qx {uuid}
            readlink "$M/by-uuid/{uuid}"
            cd "$M/by-uuid/{uuid}" && pwd -P
            cat "$M/by-uuid/{uuid}/state"
            """);

        Assert.Equal($"../pools/{n}\n{_tree.MountPoint}/pools/{n}\nrunning\n", seen);
        _tree.Fails("cat \"$M/by-uuid/00000000-0000-0000-0000-000000000000/info\"", "No such file or directory");
    }

    private void AssertNothingDefined(string name)
    {
        ShellResult r = _tree.Sh($"""
            ls "$M/pools" | grep -x '{name}'
            ls "$S/config/pools" | grep '^{name}\.'
            ls "$S/pools" 2>/dev/null | grep -x '{name}'
            """);
        Assert.True(r.Stdout.Length == 0, $"a refused definition of '{name}' left traces:\n{_tree.Describe(r)}");
    }

    private static string ZeroSizes(string xml) =>
        System.Text.RegularExpressions.Regex.Replace(xml, "(<(capacity|allocation|available) unit='bytes'>)[0-9]+<", "${1}0<");
}
