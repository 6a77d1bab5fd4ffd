namespace StorageFs.IntegrationTests.Tree;

/// <summary>
/// <c>secrets/</c> on a real mount, driven with echo, cat and ls as root and
/// as user nobody: define, set a value, read the definition back, undefine; who may read what;
/// refusals that change nothing, in the tree and at rest (STATE/secrets).
/// </summary>
public sealed class SecretTests(TreeFixture fixture) : IClassFixture<TreeFixture>
{
    private const string Nobody = "setpriv --reuid=65534 --regid=65534 --clear-groups";
    private readonly TreeMount _tree = fixture.Mount;

    private static string Uuid() => Guid.NewGuid().ToString("D");

    private static string Ceph(string uuid, string name, string attrs = " ephemeral='no' private='yes'") =>
        $"<secret{attrs}><uuid>{uuid}</uuid><description>key of {name}</description><usage type='ceph'><name>{name}</name></usage></secret>";

    [Fact]
    public void Define_SetValue_ThenXmlAndInfo_ReadAsVirshShowsThem_AndTheValueNever()
    {
        string u = Uuid();
        string reply = _tree.Ok($"""
            exec 3<>"$M/secrets/define"
            echo "{Ceph(u, "client.a")}" >&3
            cat <&3
            """);
        Assert.Equal($"ok defined secret {u}\n", reply);
        Assert.Contains(u + "\n", _tree.Ok("ls \"$M/secrets\""), StringComparison.Ordinal);
        Assert.Equal("ctl\ninfo\nvalue\nxml\n", _tree.Ok($"ls \"$M/secrets/{u}\""));
        Assert.Equal("0400 0400 0200 0600\n", _tree.Ok($"cd \"$M/secrets/{u}\" && stat -c %a info xml value ctl | xargs printf '0%s %s %s %s\\n' | sed 's/ / 0/g'"));
        Assert.Equal(
            $"<secret ephemeral='no' private='yes'>\n  <uuid>{u}</uuid>\n  <description>key of client.a</description>\n  <usage type='ceph'>\n    <name>client.a</name>\n  </usage>\n</secret>\n",
            _tree.Ok($"cat \"$M/secrets/{u}/xml\""));
        Assert.Contains("Value:          not set\n", _tree.Ok($"cat \"$M/secrets/{u}/info\""), StringComparison.Ordinal);

        _tree.Ok($"echo QVFCdDFyZHBBQUFBQUJBQXFDdGxyWEZ5UEJxbGhFZVR3UnBzZz09 > \"$M/secrets/{u}/value\"");

        string info = _tree.Ok($"cat \"$M/secrets/{u}/info\"");
        Assert.Equal($"UUID:           {u}\nUsage:          ceph client.a\nDescription:    key of client.a\nEphemeral:      no\nPrivate:        yes\nValue:          set\n", info);
        // Write-only for root too: EACCES at open, recorded, and nothing in the tree holds it.
        _tree.Fails($"cat \"$M/secrets/{u}/value\"", "Permission denied");
        Assert.Contains("write-only", _tree.AssertLastError($"secrets/{u}/value", "EACCES", op: "open"), StringComparison.Ordinal);
        _tree.Fails($"exec 3<>\"$M/secrets/{u}/value\"", "Permission denied");
        Assert.Equal("", _tree.Ok($"grep -rl AQBt1rdpAAAAABAAqCtlrXFyPBqlhEeTwRpsg \"$M/secrets/{u}\" \"$M/errors\" \"$M/events\" --include=info --include=xml 2>/dev/null || true"));
        // At rest: the value base64 in a 0600 file of the 0700 directory, beside the definition.
        Assert.Equal("700\n600\n600\n", _tree.Ok($"stat -c %a \"$S/secrets\" \"$S/secrets/{u}.xml\" \"$S/secrets/{u}.base64\""));
        Assert.Equal("QVFCdDFyZHBBQUFBQUJBQXFDdGxyWEZ5UEJxbGhFZVR3UnBzZz09", _tree.Ok($"cat \"$S/secrets/{u}.base64\""));
    }

    [Fact]
    public void Nobody_MayListSecrets_ButNotReadTheirDefinitions_NorSetDefineOrUndefine()
    {
        string u = Uuid();
        _tree.Ok($"""
            echo "{Ceph(u, "client.nobody")}" > "$M/secrets/define"
            echo c2VjcmV0 > "$M/secrets/{u}/value"
            """);

        Assert.Contains(u, _tree.Ok($"{Nobody} ls \"$M/secrets\""), StringComparison.Ordinal);
        foreach (var f in new[] { "xml", "info", "value" })
        {
            _tree.Fails($"{Nobody} cat \"$M/secrets/{u}/{f}\"", "Permission denied");
        }
        foreach (var change in new[]
                 {
                     $"echo Zm9v > \"$M/secrets/{u}/value\"",
                     $"echo undefine {u} > \"$M/secrets/{u}/ctl\"",
                     $"echo \"<secret><usage type='ceph'><name>evil</name></usage></secret>\" > \"$M/secrets/define\"",
                 })
        {
            _tree.Fails($"{Nobody} bash -c '{change.Replace("'", "'\\''", StringComparison.Ordinal)}'", "Permission denied");
        }
        Assert.Equal("c2VjcmV0", _tree.Ok($"cat \"$S/secrets/{u}.base64\""));
        Assert.DoesNotContain("evil", _tree.Ok("cat \"$S\"/secrets/*.xml"), StringComparison.Ordinal);
    }

    [Fact]
    public void Refusals_ChangeNothing_InTheTreeOrAtRest()
    {
        string u = Uuid();
        _tree.Ok($"echo \"{Ceph(u, "client.dup")}\" > \"$M/secrets/define\"; echo b2xk > \"$M/secrets/{u}/value\"");
        string before = _tree.Ok("ls \"$M/secrets\"; cd \"$S/secrets\" && ls -a && cat -- *");

        _tree.Fails($"echo \"{Ceph(Uuid(), "client.dup")}\" > \"$M/secrets/define\"", "File exists");
        Assert.Contains($"a secret with UUID {u} already defined for use with client.dup", _tree.AssertLastError("secrets/define", "EEXIST"),
            StringComparison.Ordinal);
        _tree.Fails($"echo \"<secret><uuid>{u}</uuid><usage type='ceph'/></secret>\" > \"$M/secrets/define\"", "Invalid argument");
        _tree.Fails("echo '<secret><usage type=\"ceph\">' > \"$M/secrets/define\"; echo '<oops/></secret>' > \"$M/secrets/define\"", "Invalid argument");
        _tree.Fails($"echo 'not base64!' > \"$M/secrets/{u}/value\"", "Invalid argument");
        Assert.Contains("not valid base64", _tree.AssertLastError($"secrets/{u}/value", "EINVAL"), StringComparison.Ordinal);
        Assert.DoesNotContain("not base64!", _tree.Ok("cat \"$M/errors\""), StringComparison.Ordinal);
        _tree.Fails($"echo undefine {Uuid()} > \"$M/secrets/{u}/ctl\"", "Invalid argument");
        _tree.Fails($"echo undefine > \"$M/secrets/{u}/ctl\"", "Invalid argument");
        _tree.Fails($"rm \"$M/secrets/{u}/xml\"", "Operation not permitted");
        _tree.Fails($"mkdir \"$M/secrets/x\"", "Operation not permitted");

        Assert.Equal(before, _tree.Ok("ls \"$M/secrets\"; cd \"$S/secrets\" && ls -a && cat -- *"));
    }

    [Fact]
    public void WithoutUuid_OneIsGenerated_AndUndefine_RemovesItEverywhere()
    {
        string tag = Guid.NewGuid().ToString("N");
        _tree.Ok($$"""
            cat "$M/events" > "$W/events.{{tag}}" &
            reader=$!
            for i in $(seq 100); do ls -l /proc/$reader/fd 2>/dev/null | grep -q "$M/events" && break; sleep 0.05; done
            echo "$reader" > "$W/reader.{{tag}}"
            """);
        string reply = _tree.Ok("""
            exec 3<>"$M/secrets/define"
            echo "<secret><usage type='iscsi'><target>iqn.gen</target></usage></secret>" >&3
            cat <&3
            """);
        Assert.Matches("^ok defined secret [0-9a-f-]{36}\n$", reply);
        string u = reply.Split(' ')[3].Trim();
        Assert.Equal("<secret ephemeral='no' private='no'>\n", _tree.Ok($"head -n1 \"$M/secrets/{u}/xml\""));
        _tree.Ok($"echo dGVzdA== > \"$M/secrets/{u}/value\"; test -f \"$S/secrets/{u}.base64\"");

        Assert.Equal($"ok undefined secret {u}\n", _tree.Ok($"exec 3<>\"$M/secrets/{u}/ctl\"; echo undefine {u} >&3; cat <&3"));

        _tree.Ok($"test ! -e \"$M/secrets/{u}\" && test ! -e \"$S/secrets/{u}.xml\" && test ! -e \"$S/secrets/{u}.base64\"");
        Assert.DoesNotContain(u, _tree.Ok("ls \"$M/secrets\""), StringComparison.Ordinal);
        string events = _tree.Ok($$"""
            for i in $(seq 100); do grep -q "event=secret-undefined object=secrets/{{u}}$" "$W/events.{{tag}}" && break; sleep 0.05; done
            kill "$(cat "$W/reader.{{tag}}")"
            cat "$W/events.{{tag}}"
            """);
        Assert.Contains($"event=secret-defined object=secrets/{u}\n", events, StringComparison.Ordinal);
        Assert.Contains($"event=secret-value-changed object=secrets/{u}\n", events, StringComparison.Ordinal);
        Assert.Contains($"event=secret-undefined object=secrets/{u}\n", events, StringComparison.Ordinal);
        Assert.DoesNotContain("dGVzdA", events, StringComparison.Ordinal);
    }

    [Fact]
    public void ARestart_KeepsPersistentSecretsAndValues_ButNotEphemeralOnes()
    {
        using var tree = TreeMount.Start();
        string kept = Uuid(), gone = Uuid();
        tree.Ok($"""
            echo "{Ceph(kept, "client.kept")}" > "$M/secrets/define"
            echo a2VwdA== > "$M/secrets/{kept}/value"
            echo "{Ceph(gone, "client.gone", " ephemeral='yes' private='yes'")}" > "$M/secrets/define"
            echo Z29uZQ== > "$M/secrets/{gone}/value"
            """);
        Assert.Equal($"{kept}.base64\n{kept}.xml\n", tree.Ok("ls \"$S/secrets\""));
        string xml = tree.Ok($"cat \"$M/secrets/{kept}/xml\"");

        tree.Restart();

        Assert.Equal($"{kept}\n", tree.Ok("ls \"$M/secrets\" | grep -v '^define$'"));
        Assert.Equal(xml, tree.Ok($"cat \"$M/secrets/{kept}/xml\""));
        Assert.EndsWith("Value:          set\n", tree.Ok($"cat \"$M/secrets/{kept}/info\""), StringComparison.Ordinal);
        Assert.Equal("700 600 600\n", tree.Ok($"stat -c %a \"$S/secrets\" \"$S/secrets/{kept}.xml\" \"$S/secrets/{kept}.base64\" | xargs"));
    }
}
